"""A small client for headless Chromium over the DevTools protocol (CDP), for browser tests.

Starts ``chromium --headless`` with a fresh profile and ``--remote-debugging-port=0`` (the
port Chromium picks is read from ``DevToolsActivePort`` in the profile), attaches to the
page over a websocket (``websocket-client``), and offers what the tests need: navigate and
wait for the load event, evaluate JavaScript, collect console messages, uncaught exceptions
and failed loads, and take full-page screenshots. Nothing leaves the machine: the flags
switch off background networking, and only ``file://`` pages are opened.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["FLAGS", "Chromium", "find_chromium"]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
         "--mute-audio", "--remote-allow-origins=*"]


def find_chromium() -> str | None:
    """The Chromium executable (Debian: ``/usr/bin/chromium``), or None."""
    for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if p and Path(p).is_file():
            return p
    return None


class Chromium:
    """Headless Chromium with one page, driven over CDP. Use as a context manager."""

    def __init__(self, executable: str, profile: Path, *, width: int = 1280,
                 height: int = 900, timeout: float = 60.0) -> None:
        self.executable, self.profile = executable, Path(profile)
        self.width, self.height, self.timeout = width, height, timeout
        self.events: list[dict[str, Any]] = []
        self._id = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: Any = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Chromium:
        import websocket

        self.profile.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", f"--window-size={self.width},{self.height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        page = None
        while page is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = json.load(r)
            page = next((t for t in targets if t.get("type") == "page"), None)
            if page is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("Chromium opened no page")
                time.sleep(0.05)
        self._ws = websocket.create_connection(page["webSocketDebuggerUrl"],
                                               timeout=self.timeout, suppress_origin=True)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._ws is not None:
                self._ws.close()
        finally:
            if self._proc is not None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()

    # -- protocol --------------------------------------------------------------------------
    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a CDP method and return its result; events met meanwhile are kept."""
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, since: int = 0) -> dict[str, Any]:
        """Wait for an event ``method`` (one already received after index ``since`` counts)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for ev in self.events[since:]:
                if ev["method"] == method:
                    return ev
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {self.timeout} s")
            msg = json.loads(self._ws.recv())
            if "method" in msg:
                self.events.append(msg)

    # -- what the tests use ----------------------------------------------------------------
    def open(self, url: str) -> None:
        """Navigate and wait for the load event, then for the fonts and images to settle."""
        mark = len(self.events)
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", mark)
        self.evaluate("document.fonts.ready.then(() => true)", await_promise=True)

    def trap_dialogs(self) -> None:
        """Replace ``alert``/``confirm``/``prompt`` in every page opened from now on: a call
        is recorded in ``window.__lospw_dialogs`` and logged as a console error (a real
        dialog would block the page)."""
        self.send("Page.addScriptToEvaluateOnNewDocument", source=(
            "window.__lospw_dialogs = [];"
            "for (const f of ['alert', 'confirm', 'prompt']) {"
            "  window[f] = (m) => { window.__lospw_dialogs.push(String(m));"
            "    console.error('dialog: ' + f + '(' + m + ')'); };"
            "}"))

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(f"JavaScript error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_until(self, expression: str) -> Any:
        """Poll a JavaScript expression until it is truthy (e.g. after a redirect)."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # the page is navigating: its context went away
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression} stayed false for {self.timeout} s")
            time.sleep(0.05)

    def problems(self, since: int = 0) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen (from event ``since``)."""
        out = []
        for ev in self.events[since:]:
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                  for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                out.append(f"log: {e.get('text')} {e.get('url', '')}".strip())
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                out.append(f"load failed: {p.get('errorText')}")
            elif m == "Page.javascriptDialogOpening":
                out.append(f"dialog: {p.get('type')} {p.get('message')}")
        return out

    def screenshot(self, path: Path, *, full_page: bool = True,
                   max_height: int = 16000) -> Path:
        """Save a PNG of the page (the whole page up to ``max_height`` pixels)."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            h = min(int(size["height"]), max_height)
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": self.width, "height": h, "scale": 1})
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
