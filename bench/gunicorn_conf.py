"""gunicorn settings of the benchmarks' servers: none beyond the command line.

gunicorn reads ``./gunicorn.conf.py`` from its working directory unless told another file:
its access log would add a line of logging per request to the portal and the bare app alike
(and so raise every ratio to the bare endpoint). The harness passes this file instead.
"""
