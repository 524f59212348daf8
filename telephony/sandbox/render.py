"""Render Voxdesk's Asterisk configuration from the Jinja2 templates in ``config/asterisk/``.

Pure: the inputs are values (no settings lookups, no I/O but the output directory), so a unit test can
render into a temp dir and read the files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from config.settings import AsteriskSettings
from telephony.sandbox.agents import SipCredentialSpec
from telephony.sandbox.runtime import AsteriskDirs

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "config" / "asterisk"

# Full files Asterisk reads; the others in TEMPLATE_DIR are fragments they include.
CONFIG_FILES = (
    "asterisk.conf", "modules.conf", "logger.conf", "http.conf", "ari.conf",
    "pjsip.conf", "extensions.conf", "rtp.conf", "cdr.conf", "musiconhold.conf",
)  # fmt: skip

# What an admin pastes into an Asterisk they already run (mode=external).
SNIPPETS = {"pjsip.conf": "pjsip_agents.conf.j2", "extensions.conf": "extensions_voxdesk.conf.j2",
            "ari.conf": "ari_user.conf.j2"}  # fmt: skip

NOLOAD = (
    "chan_alsa.so", "chan_console.so", "chan_oss.so", "chan_mobile.so", "chan_unistim.so", "chan_iax2.so",
    "chan_dahdi.so", "chan_motif.so", "res_xmpp.so", "cdr_radius.so", "cel_radius.so", "res_snmp.so",
    "res_hep.so", "res_hep_pjsip.so", "res_hep_rtcp.so", "res_config_ldap.so", "res_config_pgsql.so",
    "res_config_mysql.so", "res_odbc.so", "res_config_odbc.so", "cdr_pgsql.so", "cel_pgsql.so",
    "res_corosync.so", "res_pjsip_phoneprov_provider.so", "res_phoneprov.so", "res_calendar.so",
    "res_statsd.so", "res_stir_shaken.so", "pbx_lua.so", "pbx_ael.so", "pbx_dundi.so",
    "res_resolver_unbound.so", "res_stun_monitor.so", "res_prometheus.so", "res_parking.so",
    "app_voicemail.so", "app_minivm.so", "app_festival.so", "app_followme.so", "app_amd.so",
    "cel_tds.so", "cdr_tds.so", "cel_manager.so", "cdr_manager.so", "cel_custom.so",
    "cel_sqlite3_custom.so", "cdr_sqlite3_custom.so", "res_config_sqlite3.so", "res_adsi.so",
    "app_adsiprog.so", "app_getcpeid.so", "res_geolocation.so", "res_pjsip_geolocation.so",
    "res_pjsip_config_wizard.so", "res_clialiases.so",
)  # fmt: skip


@dataclass(frozen=True)
class RenderContext:
    """Every value the templates use."""

    dirs: AsteriskDirs
    ari_user: str
    ari_password: str
    stasis_app: str
    bind_address: str = "127.0.0.1"
    http_port: int = 8088
    sip_port: int = 5060
    rtp_start: int = 10000
    rtp_end: int = 10999
    inbound_numbers: tuple[str, ...] = ("1000",)
    ice_loopback_alias: str | None = None
    ice_blacklist: tuple[str, ...] = ()
    agents: tuple[SipCredentialSpec, ...] = ()
    noload: tuple[str, ...] = NOLOAD
    generated_by: str = field(default="telephony.sandbox.render")

    @classmethod
    def from_settings(
        cls,
        asterisk: AsteriskSettings,
        dirs: AsteriskDirs,
        ari_password: str,
        agents: Sequence[SipCredentialSpec],
    ) -> RenderContext:
        """Take the Asterisk part of the settings plus what is generated or stored elsewhere."""
        return cls(
            dirs=dirs, ari_user=asterisk.ari_user, ari_password=ari_password, stasis_app=asterisk.stasis_app,
            bind_address=asterisk.bind_address, http_port=asterisk.http_port, sip_port=asterisk.sip_port,
            rtp_start=asterisk.rtp_start, rtp_end=asterisk.rtp_end,
            inbound_numbers=tuple(asterisk.inbound_numbers), agents=tuple(agents),
            ice_loopback_alias=asterisk.ice_loopback_alias, ice_blacklist=tuple(asterisk.ice_blacklist),
        )  # fmt: skip


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the render, not the PBX
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk config, not HTML
    )


def _values(context: RenderContext) -> dict[str, object]:
    return {name: getattr(context, name) for name in context.__dataclass_fields__}


def render_files(context: RenderContext) -> dict[str, str]:
    """File name -> text of every Asterisk config file."""
    env = _environment()
    values = _values(context)
    return {name: env.get_template(f"{name}.j2").render(values) for name in CONFIG_FILES}


def render_config(context: RenderContext, out_dir: Path) -> list[Path]:
    """Write the config files into ``out_dir`` (mode 0600: ari.conf holds a password)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(out_dir, 0o700)
    written = []
    for name, text in render_files(context).items():
        path = out_dir / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        tmp.replace(path)  # Asterisk never reads a half-written file on reload
        written.append(path)
    return written


def admin_snippets(context: RenderContext) -> dict[str, str]:
    """What to add to an existing Asterisk's config files (file name -> snippet) to serve Voxdesk."""
    env = _environment()
    values = _values(context)
    return {target: env.get_template(fragment).render(values) for target, fragment in SNIPPETS.items()}
