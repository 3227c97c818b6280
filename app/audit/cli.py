"""``mend audit verify`` (registered in ``app.cli`` with one line): walk each practice's audit
chain (``app.audit.chain``) and name the first event edited, removed or inserted.

Exit 0 when every chain is intact, 1 (with the message) otherwise; it prints how many events
were checked and how long it took. It only reads (it needs ``MEND_SECRET_KEY``, as the app does).
"""

from __future__ import annotations

from typing import Annotated

import typer

from app.audit.chain import verify as verify_chains

app = typer.Typer(help="The audit trail: verify its tamper-evident chain.", no_args_is_help=True)


@app.command()
def verify(
    practice: Annotated[int | None, typer.Option("--practice", help="Only this practice's chain")] = None,
) -> None:
    """Verify the audit trail's chain: exit 0 if intact, 1 naming the first event changed, missing or inserted."""
    from app.db import get_read_engine

    with get_read_engine().connect() as conn:
        verdicts, seconds = verify_chains(conn, practice_id=practice)
        conn.rollback()
    checked = sum(v.checked for v in verdicts)
    failed = [v for v in verdicts if not v.ok]
    for v in failed:
        typer.echo(f"Practice {v.practice_id}: {v.problem}", err=True)
    summary = (f"Checked {checked} audit event{'s' if checked != 1 else ''} in {len(verdicts)} "
               f"practice{'s' if len(verdicts) != 1 else ''} in {seconds:.2f} s")
    if failed:
        typer.echo(f"{summary}: the audit trail was tampered with.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{summary}: the audit trail is intact.")
