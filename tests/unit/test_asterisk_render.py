"""Rendering Voxdesk's Asterisk config: pure, into a temp dir."""

from __future__ import annotations

import stat
from pathlib import Path

from config.settings import AsteriskSettings
from telephony.sandbox.agents import SipCredentialSpec, sip_ha1
from telephony.sandbox.render import CONFIG_FILES, RenderContext, admin_snippets, render_config
from telephony.sandbox.runtime import ChrootRuntime

PASSWORD = "plain-agent-password"


def _context(tmp_path: Path) -> RenderContext:
    agents = [SipCredentialSpec.from_password("alice", "voxdesk", PASSWORD)]
    settings = AsteriskSettings(inbound_numbers=["1000", "+15551234"], stasis_app="cc")
    dirs = ChrootRuntime(tmp_path, "abc123").dirs
    return RenderContext.from_settings(settings, dirs, "ari-secret", agents)


def test_rendered_files_are_complete_and_private(tmp_path: Path) -> None:
    written = render_config(_context(tmp_path), tmp_path / "etc")
    assert sorted(p.name for p in written) == sorted(CONFIG_FILES)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_agent_endpoint_uses_the_ha1_digest_and_never_the_password(tmp_path: Path) -> None:
    render_config(_context(tmp_path), tmp_path / "etc")
    pjsip = (tmp_path / "etc" / "pjsip.conf").read_text()
    assert "[alice]\ntype = endpoint" in pjsip
    assert f"password_digest = MD5:{sip_ha1('alice', 'voxdesk', PASSWORD)}" in pjsip
    assert "realm = voxdesk" in pjsip
    for option in ("rtp_symmetric = yes", "force_rport = yes", "rewrite_contact = yes", "direct_media = no",
                   "allow = ulaw,alaw,g722", "dtmf_mode = rfc4733"):  # fmt: skip
        assert option in pjsip
    everything = "".join(p.read_text() for p in (tmp_path / "etc").iterdir())
    assert PASSWORD not in everything


def test_caller_is_only_matched_by_loopback_address(tmp_path: Path) -> None:
    pjsip = render_config(_context(tmp_path), tmp_path / "etc")[5].read_text()
    assert "[caller]\ntype = identify\nendpoint = caller\nmatch = 127.0.0.1" in pjsip
    assert "identify_by = ip" in pjsip


def test_inbound_numbers_go_to_the_stasis_app_and_test_extensions_exist(tmp_path: Path) -> None:
    render_config(_context(tmp_path), tmp_path / "etc")
    dialplan = (tmp_path / "etc" / "extensions.conf").read_text()
    for number in ("1000", "+15551234"):
        assert f"exten => {number},1," in dialplan
    assert dialplan.count("Stasis(cc,inbound)") == 2
    assert "Echo()" in dialplan and "Playback(hello-world)" in dialplan


def test_asterisk_conf_leaves_runuser_unset_and_uses_private_dirs(tmp_path: Path) -> None:
    conf = render_config(_context(tmp_path), tmp_path / "etc")[0].read_text()
    assert "runuser =" not in conf and "(!)" not in conf.split("[directories]")[1]
    assert "astetcdir => /var/lib/voxdesk/abc123/etc" in conf


def test_admin_snippets_hold_endpoints_dialplan_and_ari_user(tmp_path: Path) -> None:
    snippets = admin_snippets(_context(tmp_path))
    assert set(snippets) == {"pjsip.conf", "extensions.conf", "ari.conf"}
    assert "[alice-auth]" in snippets["pjsip.conf"] and "[global]" not in snippets["pjsip.conf"]
    assert "[voxdesk-inbound]" in snippets["extensions.conf"]


def test_each_account_has_a_webrtc_endpoint_on_the_ws_transport_with_the_same_auth(tmp_path: Path) -> None:
    render_config(_context(tmp_path), tmp_path / "etc")
    pjsip = (tmp_path / "etc" / "pjsip.conf").read_text()
    assert "[voxdesk-ws]\ntype = transport\nprotocol = ws\nbind = 127.0.0.1\n" in pjsip
    web = pjsip[pjsip.index("[alice-web]\ntype = endpoint") :].split("\n\n")[0]
    for option in ("transport = voxdesk-ws", "webrtc = yes", "dtls_auto_generate_cert = yes",
                   "allow = opus,ulaw", "direct_media = no", "auth = alice-auth",
                   "aors = alice-web"):  # fmt: skip
        assert option in web
    assert "[alice-web]\ntype = aor\nmax_contacts = 1\nremove_existing = yes" in pjsip
    http = (tmp_path / "etc" / "http.conf").read_text()
    assert "enabled = yes" in http and "bindport = 8088" in http
    assert "ice_host_candidates" not in (tmp_path / "etc" / "rtp.conf").read_text()  # real hosts need none


def test_a_test_rig_maps_its_loopback_alias_into_ice_and_blacklists_other_networks(tmp_path: Path) -> None:
    settings = AsteriskSettings(ice_loopback_alias="169.254.77.1", ice_blacklist=["192.0.2.7/24"])
    context = RenderContext.from_settings(settings, ChrootRuntime(tmp_path, "abc").dirs, "ari-secret", [])
    render_config(context, tmp_path / "etc")
    rtp = (tmp_path / "etc" / "rtp.conf").read_text()
    assert "ice_blacklist = 192.0.2.0/24\n" in rtp
    assert "[ice_host_candidates]\n169.254.77.1 => 127.0.0.1\n" in rtp
