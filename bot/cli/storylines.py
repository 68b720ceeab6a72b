"""`briefbot storylines`, `briefbot storyline S7 [...]`, `briefbot brief B42 --move-to S7`.

Storylines are found by their typeable id in any case ("s7"). Unknown ids and impossible requests end
in one `Error:` line.
"""

from __future__ import annotations

import click

from bot.cli.common import AppContext, echo_json, fail, pass_app
from bot.pipeline.briefs import when_label


def storyline_json(app: AppContext, row: dict) -> dict:
    """A storyline with its timeline (briefs in date order) and its upcoming events."""
    store = app.services.store
    today = app.services.today().isoformat()
    return {
        "id": row["id"],
        "title": row["title"],
        "status": row["status"],
        "merged_into": row["merged_into"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "briefs": [
            {"id": b["id"], "date": b["date"], "title": b["title"] or "", "url": b["url"], "tldr": b["tldr"]}
            for b in store.storyline_briefs(row["id"])
        ],
        "upcoming": [
            {
                "title": e["title"],
                "date": e["date"],
                "precision": e["precision"],
                "time": e["time"],
                "timezone": e["timezone"],
                "when": when_label(e["date"], e["precision"], e["time"], e["timezone"]),
                "brief": e["brief_id"],
            }
            for e in _dedup(store.storyline_events(row["id"], since=today))
        ],
    }


def _dedup(events: list[dict]) -> list[dict]:
    """The same event announced by several briefs of one storyline is listed once (first brief)."""
    seen: set[tuple] = set()
    out = []
    for e in events:
        key = (e["title"].lower(), e["date"], e["precision"])
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def format_timeline(data: dict) -> str:
    status = data["status"] + (f" into {data['merged_into']}" if data["merged_into"] else "")
    lines = [f"{data['id']}  {data['title']}  ({status})", ""]
    if data["briefs"]:
        lines.append("Timeline:")
        for b in data["briefs"]:
            lines.append(f"  {b['date']}  {b['id']:>5}  {b['title'] or '(untitled)'}")
            lines.append(f"{'':19}TL;DR: {b['tldr']}")
    else:
        lines.append("No briefs in this storyline.")
    if data["upcoming"]:
        lines.append("Upcoming:")
        for e in data["upcoming"]:
            lines.append(f"  {e['when']} — {e['title']} ({e['brief']})")
    return "\n".join(lines)


def _now(app: AppContext) -> str:
    return app.services.clock.utc_stamp()


def register(cli: click.Group) -> None:
    @cli.command("storylines", short_help="List storylines, open ones first.")
    @click.option("--team", default=None, help="Only this Slack team's storylines.")
    @click.option("--all", "show_all", is_flag=True, help="Include storylines merged into others.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def storylines_cmd(app: AppContext, team: str | None, show_all: bool, as_json: bool) -> None:
        """List storylines, open ones first."""
        rows = app.services.store.list_storylines(team=team, include_merged=show_all)
        if as_json:
            echo_json(
                [
                    {k: r[k] for k in ("id", "title", "status", "merged_into", "briefs", "created_at", "updated_at")}
                    for r in rows
                ]
            )
            return
        if not rows:
            click.echo("No storylines yet. They appear as briefs are made (`briefbot ingest URL`).")
        for r in rows:
            extra = f" → {r['merged_into']}" if r["merged_into"] else ""
            click.echo(f"{r['id']:>5}  {r['status']:<8}{extra}  {r['briefs']:>3} briefs  {r['title']}")

    @cli.command("storyline", short_help="Show or change one storyline (S7).")
    @click.argument("storyline_id")
    @click.option("--resolve", is_flag=True, help="Mark it resolved: new briefs no longer join it.")
    @click.option("--reopen", is_flag=True, help="Open it again.")
    @click.option("--rename", metavar="TITLE", help="Give it a new title.")
    @click.option("--merge", "merge_from", metavar="ID", help="Merge storyline ID into this one.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def storyline_cmd(app: AppContext, storyline_id: str, resolve: bool, reopen: bool, rename: str | None,
                      merge_from: str | None, as_json: bool) -> None:
        """Show a storyline's timeline, or change it (one of --resolve, --reopen, --rename, --merge)."""
        actions = sum([resolve, reopen, rename is not None, merge_from is not None])
        if actions > 1:
            fail("give one of --resolve, --reopen, --rename, --merge at a time")
        store = app.services.store
        row = store.get_storyline(storyline_id)
        if row is None:
            fail(f"no storyline {storyline_id} (see `briefbot storylines`)")
        try:
            if resolve:
                row = store.set_storyline_status(row["id"], "resolved", _now(app))
            elif reopen:
                row = store.set_storyline_status(row["id"], "open", _now(app))
            elif rename is not None:
                row = store.rename_storyline(row["id"], rename, _now(app))
            elif merge_from is not None:
                if store.get_storyline(merge_from) is None:
                    fail(f"no storyline {merge_from} (see `briefbot storylines`)")
                row = store.merge_storylines(merge_from, row["id"], _now(app))
        except (KeyError, ValueError) as err:
            fail(str(err.args[0]) if err.args else str(err))
        data = storyline_json(app, row)
        if as_json:
            echo_json(data)
        else:
            click.echo(format_timeline(data))

    @cli.command("brief", short_help="Move a brief to another storyline.")
    @click.argument("brief_id")
    @click.option("--move-to", "move_to", metavar="ID", required=True,
                  help="Replace the brief's storylines with storyline ID.")
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def brief_cmd(app: AppContext, brief_id: str, move_to: str, as_json: bool) -> None:
        """Change a brief's storyline, e.g. `briefbot brief B42 --move-to S7`."""
        store = app.services.store
        if store.get_brief(brief_id) is None:
            fail(f"no brief {brief_id} (see `briefbot briefs`)")
        if store.get_storyline(move_to) is None:
            fail(f"no storyline {move_to} (see `briefbot storylines`)")
        try:
            target = store.move_brief(brief_id, move_to, _now(app))
        except (KeyError, ValueError) as err:
            fail(str(err.args[0]) if err.args else str(err))
        record = store.get_brief(brief_id)
        if as_json:
            echo_json({"brief": record["id"], "storylines": [{"id": s["id"], "title": s["title"]}
                                                               for s in record["storylines"]]})
        else:
            click.echo(f"{record['id']} moved to {target['id']} {target['title']}")
