"""What every PDF of the portal shares: the font, text and number helpers, page furniture.

- ``typography``: DejaVu Sans (bundled in ``fonts/``, see ``docs/pdf.md``), paragraph
  styles, text cleaned for ReportLab, money and percentages in the organisation's language,
  column widths measured so that no header word is ever cut.
- ``layout``: the page — a first page and later pages with a running header, the footer
  text on every page, "Page i of N" drawn once the page count is known (two passes).
- ``blocks``: the letterhead (logo, issuer), the customer, the facts strip, payment terms.
- ``lines``: the lines table of a quote or invoice, its tax breakdown and totals.

The documents' and the statement's ``pdf`` modules put these together.
"""
