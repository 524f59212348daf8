"""Where the files admins edit are (IVR flows, routing rules), and the routing config parsed once per change.

Both live in the data dir (``<data_dir>/ivr``, ``<data_dir>/routing``), seeded from the packaged
defaults in ``config/``; ``telephony.ivr_flow`` and ``telephony.routing_dir`` still point elsewhere
when set. Only the controller writes them (it applies the admins' commands); other processes read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

from config.admin_files import PACKAGED_IVR, PACKAGED_ROUTING, seeded_dir, write_atomically
from config.settings import Settings
from routing import RoutingConfig
from routing.config import parse_queues, parse_rules
from routing.exceptions import RoutingConfigError

RoutingFile = Literal["queues", "rules"]
MAX_ROUTING_BYTES = 256 * 1024


def ivr_flow_path(settings: Settings) -> Path:
    """The IVR flow new calls get: ``telephony.ivr_flow``, else ``<data_dir>/ivr/main.yaml``."""
    configured: Path | None = settings.telephony.ivr_flow
    return configured or seeded_dir(settings.data_dir, "ivr", PACKAGED_IVR) / "main.yaml"


def routing_dir(settings: Settings) -> Path:
    """``telephony.routing_dir``, else ``<data_dir>/routing`` (queues.yaml and rules.yaml)."""
    configured: Path | None = settings.telephony.routing_dir
    return configured or seeded_dir(settings.data_dir, "routing", PACKAGED_ROUTING)


def parse_routing(queues_text: str, rules_text: str, directory: Path) -> RoutingConfig:
    """Both files parsed together (rules name queues). Raises RoutingConfigError naming each problem."""
    for name, text in (("queues", queues_text), ("rules", rules_text)):
        # surrogatepass: a lone surrogate must reach the YAML reader, which refuses it, not crash here
        if len(text.encode("utf-8", "surrogatepass")) > MAX_ROUTING_BYTES:
            raise RoutingConfigError(f"{name}.yaml", [f"larger than {MAX_ROUTING_BYTES} bytes"])
    queues = parse_queues(queues_text, str(directory / "queues.yaml"))
    return RoutingConfig(queues, parse_rules(rules_text, queues, str(directory / "rules.yaml")))


def load_routing_config(directory: Path = PACKAGED_ROUTING) -> RoutingConfig:
    """Read and parse ``queues.yaml`` and ``rules.yaml`` from ``directory`` (routing itself does no I/O)."""
    try:
        queues_text = (directory / "queues.yaml").read_text(encoding="utf-8")
        rules_text = (directory / "rules.yaml").read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutingConfigError(str(directory), [f"cannot read: {exc}"]) from None
    return parse_routing(queues_text, rules_text, directory)


class RoutingSource:
    """The routing config of one directory, parsed again only when a file changed (by mtime)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._loaded: tuple[tuple[int, int], RoutingConfig] | None = None

    def path_of(self, file: RoutingFile) -> Path:
        return self.directory / f"{file}.yaml"

    def text_of(self, file: RoutingFile) -> str:
        return self.path_of(file).read_text(encoding="utf-8")

    def _stamp(self) -> tuple[int, int]:
        try:
            return (self.path_of("queues").stat().st_mtime_ns, self.path_of("rules").stat().st_mtime_ns)
        except FileNotFoundError as exc:
            missing = Path(str(exc.filename)).name
            raise RoutingConfigError(str(self.directory), [f"missing {missing}"]) from None

    def current(self) -> RoutingConfig:
        """The config on disk. Raises RoutingConfigError if it is broken."""
        with self._lock:
            stamp = self._stamp()
            if self._loaded is None or self._loaded[0] != stamp:
                config = parse_routing(self.text_of("queues"), self.text_of("rules"), self.directory)
                self._loaded = (stamp, config)
            return self._loaded[1]

    def validate(self, file: RoutingFile, text: str) -> RoutingConfig:
        """The config ``text`` would make with the other file as it is on disk (nothing is written)."""
        queues = text if file == "queues" else self.text_of("queues")
        rules = text if file == "rules" else self.text_of("rules")
        return parse_routing(queues, rules, self.directory)

    def replace(self, file: RoutingFile, text: str) -> RoutingConfig:
        """Validate, then write ``file`` atomically. Raises RoutingConfigError; nothing changes then."""
        with self._lock:
            config = self.validate(file, text)
            write_atomically(self.path_of(file), text)
            self._loaded = (self._stamp(), config)
            return config
