"""A user's channel choices, daily digest and quiet hours — and when a message may go out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from duban.core.clock import SHANGHAI

from .kinds import KINDS
from .models import Channel, Preference

# E-mail for everything, SMS only for what is urgent; quiet 22:00–07:00; no digest.
DEFAULT_CHANNELS = {
    Channel.EMAIL: sorted(KINDS),
    Channel.SMS: sorted(k.code for k in KINDS.values() if k.urgent),
}


@dataclass
class Prefs:
    channels: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CHANNELS.items()}
    )
    digest: bool = False
    digest_hour: int = 8
    quiet: bool = True
    quiet_start: int = 22
    quiet_end: int = 7

    @classmethod
    def of(cls, pref: Preference | None) -> Prefs:
        if pref is None:
            return cls()
        return cls(
            channels={str(c): list(pref.channels.get(str(c), [])) for c in (Channel.EMAIL, Channel.SMS)},
            digest=pref.digest,
            digest_hour=pref.digest_hour,
            quiet=pref.quiet,
            quiet_start=pref.quiet_start,
            quiet_end=pref.quiet_end,
        )

    def wants(self, channel: str, kind: str) -> bool:
        return kind in self.channels.get(channel, ())

    def in_quiet(self, at: dt.datetime) -> bool:
        if not self.quiet or self.quiet_start == self.quiet_end:
            return False
        h = at.astimezone(SHANGHAI).hour
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= h < self.quiet_end
        return h >= self.quiet_start or h < self.quiet_end

    def send_time(self, at: dt.datetime) -> tuple[dt.datetime, bool]:
        """When a message created at ``at`` may go out, and whether it waits for the digest."""
        if self.digest:
            return _next_hour(at, self.digest_hour), True
        if self.in_quiet(at):
            return _next_hour(at, self.quiet_end), False
        return at, False


def _next_hour(at: dt.datetime, hour: int) -> dt.datetime:
    local = at.astimezone(SHANGHAI)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment <= local:
        moment += dt.timedelta(days=1)
    return moment.astimezone(dt.UTC)
