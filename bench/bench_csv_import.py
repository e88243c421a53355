"""How much memory a 10 MB product import takes: peak RSS of the process before and after.

    .venv/bin/python bench/bench_csv_import.py [--megabytes 10]

The import reads werkzeug's spooled upload twice (validate, then insert in batches of 1,000),
so the peak should grow by far less than the file's size.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def vm_hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-csv-"))
    os.environ.update(
        PORTAL_SECRET_KEY="bench-" + "x" * 40,
        PORTAL_ENV="production",
        PORTAL_BASE_URL="http://127.0.0.1",
        PORTAL_DATABASE_URL=f"sqlite:///{workdir}/bench.db",
        PORTAL_LOG_LEVEL="WARNING",
    )
    from sqlalchemy import func, select

    from portal import create_app
    from portal.accounts.models import Organization, User
    from portal.catalog import csvio
    from portal.catalog.kinds import PRODUCTS
    from portal.catalog.models import Product
    from portal.extensions import db
    from portal.migrate import upgrade

    path = workdir / "products.csv"
    target = int(args.megabytes * 1024 * 1024)
    with path.open("w", encoding="utf-8") as out:
        out.write("name,sku,price,taxRate,unit,active\n")
        n = 0
        while out.tell() < target:
            name = f"Producto de ferretería número {n:07d}, caja de cien unidades"
            out.write(f'"{name}",SKU-{n:07d},12.50,16,pieza,true\n')
            n += 1
    size = path.stat().st_size

    app = create_app()
    with app.app_context():
        upgrade(db.engine)
        organization = Organization(name="Bench", plan="PRO", currency="USD", locale="es")
        owner = User(
            organization=organization,
            name="Owner",
            email="owner@bench.example.com",
            role="OWNER",
            password_hash="x",
            active=True,
        )
        db.session.add_all([organization, owner])
        db.session.commit()
        owner_id = owner.id
    before = vm_hwm_kib()
    started = time.perf_counter()
    with app.test_request_context("/"), path.open("rb") as stream:
        actor = db.session.get(User, owner_id)
        imported = csvio.import_csv(PRODUCTS, actor, stream)
        db.session.commit()
        stored = db.session.scalar(select(func.count(Product.id)))
    elapsed = time.perf_counter() - started
    after = vm_hwm_kib()
    print(f"file: {size / 1048576:.1f} MiB, {n:,} rows; imported {imported:,}, stored {stored:,}")
    print(f"time: {elapsed:.1f} s ({n / elapsed:,.0f} rows/s)")
    print(f"peak RSS: {before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after")
    growth = (after - before) * 1024
    print(f"growth of the peak: {growth / 1048576:.1f} MiB = {growth / size:.2f}× the file")


if __name__ == "__main__":
    main()
