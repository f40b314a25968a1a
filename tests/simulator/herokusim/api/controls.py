"""What the admin API switches: the request log, injected faults and the rate limiter."""
from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass


@dataclass
class Fault:
    method: str                 # HTTP method or "*"
    path: str                   # regular expression matched against the path
    status: int | None = None   # answer with this status instead of serving
    latency: float = 0.0        # seconds added before serving
    times: int | None = None    # how many requests it hits; None = unlimited
    probability: float = 1.0
    retry_after: str | None = None
    after: bool = False         # serve the request, then answer `status`: a lost response
    hits: int = 0
    id: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in ("*", method):
            return False
        return re.search(self.path, path) is not None and random.random() < self.probability


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next = 1

    def add(self, spec: dict) -> Fault:
        allowed = {"method", "path", "status", "latency", "times", "probability", "retry_after", "after"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        fault = Fault(**{"method": "*", "path": ".*", **spec})
        fault.method = fault.method.upper()
        with self._lock:
            fault.id, self._next = self._next, self._next + 1
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def hit(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def listing(self) -> list[dict]:
        with self._lock:
            return [dict(vars(f)) for f in self._faults]


class RateLimiter:
    """Heroku's model: a bucket of 4,500 tokens refilled at 75 a minute, one per request.
    Always counted (RateLimit-Remaining is on every response); enforced only when enabled."""

    def __init__(self, capacity: int = 4500, per_minute: float = 75.0) -> None:
        self._lock = threading.Lock()
        self.capacity = capacity
        self.per_minute = per_minute
        self.time_scale = 1.0
        self.enabled = False
        self._tokens = float(capacity)
        self._at = time.monotonic()

    def configure(self, enabled: bool | None = None, capacity: int | None = None,
                  per_minute: float | None = None, time_scale: float | None = None,
                  remaining: int | None = None) -> None:
        with self._lock:
            self._refill()
            if enabled is not None:
                self.enabled = bool(enabled)
            if capacity is not None:
                self.capacity = int(capacity)
            if per_minute is not None:
                self.per_minute = float(per_minute)
            if time_scale is not None:
                self.time_scale = float(time_scale)
            self._tokens = float(self.capacity if remaining is None else remaining)

    def _refill(self) -> None:
        now = time.monotonic()
        rate = self.per_minute * self.time_scale / 60.0
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * rate)
        self._at = now

    def take(self) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a token is back)."""
        with self._lock:
            self._refill()
            rate = self.per_minute * self.time_scale / 60.0
            if self._tokens >= 1:
                self._tokens -= 1
                return True, int(self._tokens), 0.0
            allowed = not self.enabled
            return allowed, 0, (1 - self._tokens) / rate if rate else 60.0

    def remaining(self) -> int:
        with self._lock:
            self._refill()
            return int(self._tokens)

    def state(self) -> dict:
        return {"enabled": self.enabled, "capacity": self.capacity, "per_minute": self.per_minute,
                "time_scale": self.time_scale, "remaining": self.remaining()}


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []

    def add(self, entry: dict) -> None:
        with self._lock:
            entry["seq"] = len(self._entries) + 1
            self._entries.append(entry)

    def since(self, seq: int = 0) -> list[dict]:
        with self._lock:
            return self._entries[seq:]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
