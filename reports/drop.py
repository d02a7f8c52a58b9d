"""The report drop: workbook and brief for each period, written to
`<reports_dir>/<date>/`, copied to a drop folder and e-mailed when those are configured.

The published file is opened read-only and closed before anything is copied or sent, so
a drop never holds the file a later publish replaces. It is opened through
`open_published`: when another process holds it read-write (a BI tool connected without
read-only), the drop reads a private copy instead of failing.
"""

import logging
import os
import shutil
import smtplib
import time
from collections.abc import Iterable, Sequence
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from perfchain.core.published import open_published
from perfchain.core.settings import SmtpConfig
from reports.brief.build import build_brief
from reports.common.periods import PERIODS
from reports.labels import check_lang, label
from reports.roles import ROLE_VARIANTS, build_role_reports
from reports.workbook.build import build_workbook

log = logging.getLogger(__name__)

PASSWORD_ENV = "PERFCHAIN_SMTP_PASSWORD"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SmtpPasswordMissing(RuntimeError):
    pass


def build_drop(
    published_path: Path,
    reports_dir: Path,
    as_of: date,
    *,
    periods: Sequence[str] | str = PERIODS,
    lang: str = "zh",
    drop_folder: Path | None = None,
    smtp: SmtpConfig | None = None,
    tz: str = "Asia/Shanghai",
    roles: Sequence[str] = (),
) -> list[Path]:
    """Build the workbook and the brief for each period ending `as_of`, and the role
    views named in `roles` (reports/roles.py: war_room, hr_snapshot); return the files
    written under `reports_dir/<as_of>/` (copies in `drop_folder` are not listed)."""
    lang_ = check_lang(lang)
    kinds = (periods,) if isinstance(periods, str) else tuple(periods)
    for kind in kinds:
        if kind not in PERIODS:
            raise ValueError(f"unknown report period {kind!r}: use one of {', '.join(PERIODS)}")
    out_dir = Path(reports_dir) / as_of.isoformat()
    started = time.perf_counter()
    files: list[Path] = []
    with open_published(Path(published_path)) as con:
        for kind in kinds:
            options = {"out_dir": out_dir, "tz": tz}
            files.append(build_workbook(con, as_of, lang_, kind, **options))
            files.append(build_brief(con, as_of, lang_, kind, **options))
        # Role views (SPEC 9.6), once per drop, not per period.
        files.extend(build_role_reports(con, as_of, lang_, out_dir, roles))
    log.info(
        "report drop for %s: %d files in %.1f s", as_of, len(files), time.perf_counter() - started
    )
    if drop_folder is not None:
        copy_to_drop_folder(files, Path(drop_folder) / as_of.isoformat())
    if smtp is not None and smtp.recipients:
        send_drop(files, smtp, as_of, lang_, kinds)
    return files


def copy_to_drop_folder(files: Iterable[Path], folder: Path) -> list[Path]:
    """Copy through a temporary name and rename, so a reader watching the folder never
    opens a half-written workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in files:
        target = folder / source.name
        partial = folder / f".{source.name}.partial"
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        copies.append(target)
    return copies


def send_drop(
    files: Sequence[Path], smtp: SmtpConfig, as_of: date, lang: str, periods: Sequence[str]
) -> None:
    lang_ = check_lang(lang)
    message = EmailMessage()
    message["Subject"] = label("mail.subject", lang_, date=as_of.isoformat())
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    names = "、".join if lang_ == "zh" else ", ".join
    message.set_content(
        label(
            "mail.body",
            lang_,
            date=as_of.isoformat(),
            periods=names(label(f"period.{kind}", lang_) for kind in periods),
        )
    )
    for path in files:
        maintype, subtype = (
            ("application", "pdf") if path.suffix == ".pdf" else tuple(_XLSX.split("/"))
        )
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
        client.ehlo()
        if smtp.starttls:
            client.starttls()
            client.ehlo()
        if smtp.username:
            password = os.environ.get(PASSWORD_ENV)
            if not password:
                raise SmtpPasswordMissing(
                    f"SMTP user {smtp.username!r} is configured but {PASSWORD_ENV} is not set"
                )
            client.login(smtp.username, password)
        client.send_message(message)
    log.info("report drop for %s mailed to %d recipient(s)", as_of, len(smtp.recipients))


def report_command(
    published_path: Path,
    reports_dir: Path,
    as_of: date,
    *,
    period: str | None = None,
    lang: str = "zh",
    drop_folder: Path | None = None,
    smtp: SmtpConfig | None = None,
    tz: str = "Asia/Shanghai",
) -> list[Path]:
    """What `perfchain report --date D [--period P] [--lang L]` runs: every period when
    none is given. Raises FileNotFoundError naming the file when nothing is published."""
    if not Path(published_path).exists():
        raise FileNotFoundError(
            f"{published_path} does not exist: run `perfchain run` (or `perfchain demo`) to "
            "publish the marts first"
        )
    return build_drop(
        published_path,
        reports_dir,
        as_of,
        periods=period or PERIODS,
        lang=lang,
        drop_folder=drop_folder,
        smtp=smtp,
        tz=tz,
        roles=ROLE_VARIANTS if period is None else (),
    )


def build_person_cards(
    published_path: Path,
    reports_dir: Path,
    employee_ids: Sequence[str],
    month: date | None,
    *,
    lang: str = "zh",
    drop_folder: Path | None = None,
) -> list[Path]:
    """The employee personal card variant (SPEC 9.6; reports/card.py): an Excel workbook and
    a PDF per employee for `month` (default: each one's newest scored month), written to
    `reports_dir/cards/<YYYY-MM>/` and copied to the drop folder when one is configured."""
    from reports.card import CardNotFound, build_card, latest_month, person_card

    lang_ = check_lang(lang)
    files: list[Path] = []
    with open_published(Path(published_path)) as con:
        for employee_id in employee_ids:
            chosen = month or latest_month(con, employee_id)
            if chosen is None:
                raise CardNotFound(f"{employee_id} has no scored month in the published file")
            card = person_card(con, employee_id, chosen)
            out_dir = Path(reports_dir) / "cards" / f"{card.month:%Y-%m}"
            files.extend(build_card(card, out_dir, lang_))
    if drop_folder is not None:
        for path in files:
            copy_to_drop_folder([path], Path(drop_folder) / "cards" / path.parent.name)
    return files
