"""The JTC's page in a real browser: headless Debian Chromium driven by Playwright against
the embedded hub's API served by uvicorn on a free port.

The joint examination on the board is made through the API only: the trader
submits the frozen chicken (vet selects it red, a physical examination), a vet
officer asks to raise customs to red and a second officer approves, so the
decision's next version books one examination for vet and customs; vet's
control then seizes the goods, so VET-ORG-002 has a hit rate to draw. The
exporter's name is an HTML tag: the page must show it as text.

``make setup`` installs Debian's chromium (Playwright never downloads a browser
here). Without /usr/bin/chromium the test is skipped, except under CI, where
that means the setup is broken.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
import uvicorn

from hub.api import create_api
from hub.api.jtc import CONTENT_SECURITY_POLICY
from hub.orchestrator import Hub
from tests.api.support import Tokens
from tests.orchestrator.support import CHICKEN, embedded_hub
from tests.services import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "jtc-screenshot.png"
OFFICE = "GB000051"  # the chicken's calendar office (Felixstowe)
EXPORTER = "British Prime Meats Inc."
INJECTED = "<img src=x onerror=alert(1)>"
XML = {"content-type": "application/xml"}

RAISE = """mutation($id: ID!) {
  raiseChannel(declarationId: $id, agency: "customs", to: RED, reason: "seal broken") {
    requestId } }"""
APPROVE = """mutation($id: ID!, $r: Int!) {
  approveRerouting(declarationId: $id, requestId: $r) { version } }"""
RECORD = """mutation($id: ID!, $r: ControlResultInput!) {
  recordControlResult(declarationId: $id, result: $r) { id } }"""
EXAMINATION = """query($id: ID!) { declaration(id: $id) {
  functionalReference decision { examination { start end office lane agencies } } } }"""


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is absent: `make system-packages` installs the Debian packages "
            "chromium and chromium-driver"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI ran make setup: missing means the setup is broken
        pytest.skip(reason)
    return CHROMIUM


@dataclass
class Live:
    """The hub's API served for real, and a client of it."""

    base: str
    hub: Hub
    tokens: Tokens
    http: httpx.Client

    def graphql(self, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    tokens = Tokens(tmp_path)
    port = free_port()
    with embedded_hub(tmp_path) as hub:
        config = uvicorn.Config(
            create_api(hub, signing_key=tokens.key),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        end = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < end, "uvicorn did not start"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as http:
                yield Live(base, hub, tokens, http)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _joint_examination(live: Live, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """The chicken, exporter renamed, made a joint vet and customs examination by re-routing."""
    message = tmp_path / "chicken.xml"
    text = CHICKEN.read_text(encoding="utf-8")
    assert EXPORTER in text
    message.write_text(text.replace(EXPORTER, escape(INJECTED)), encoding="utf-8")
    response = live.http.post(
        "/v1/declarations?wait=10", content=message.read_bytes(), headers=live.tokens.trader(**XML)
    )
    assert response.status_code == 200, response.text
    declaration_id: str = response.json()["declaration_id"]
    raised = live.graphql(live.tokens.officer("vet", "officer-1"), RAISE, id=declaration_id)
    approved = live.graphql(
        live.tokens.officer("vet", "officer-2"),
        APPROVE,
        id=declaration_id,
        r=raised["raiseChannel"]["requestId"],
    )
    assert approved["approveRerouting"]["version"] == 2
    seized = {
        "decisionVersion": 2,
        "checked": "health certificate and a sample",
        "outcome": "SEIZURE",
        "findings": ["VET-ORG-002"],
    }
    live.graphql(live.tokens.officer("vet"), RECORD, id=declaration_id, r=seized)
    found = live.graphql(live.tokens.jtc(), EXAMINATION, id=declaration_id)["declaration"]
    exam = found["decision"]["examination"]
    assert exam["office"] == OFFICE and sorted(exam["agencies"]) == ["customs", "vet"], exam
    return declaration_id, {"reference": found["functionalReference"], **exam}


def test_the_page_and_its_files_are_served_uncached_under_a_strict_policy(live: Live) -> None:
    for path, kind in (
        ("/jtc", "text/html"),
        ("/jtc/app.js", "text/javascript"),
        ("/jtc/app.css", "text/css"),
        ("/jtc/favicon.svg", "image/svg+xml"),
    ):
        response = live.http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(kind)
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert (
            "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")
            and "https://" not in response.text
        ), f"{path} reaches outside the hub"
    script = live.http.get("/jtc/app.js").text
    for writes_markup in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"):
        assert writes_markup not in script
    # The office list is for officers and the JTC, with a token like any other read.
    assert live.http.get("/jtc/offices").status_code == 401
    assert live.http.get("/jtc/offices", headers=live.tokens.trader()).status_code == 403
    listed = live.http.get("/jtc/offices", headers=live.tokens.jtc()).json()
    assert listed[0]["code"] == OFFICE and listed[0]["default"] is True
    assert {o["code"] for o in listed} >= {OFFICE, "GB000060"}


def test_the_board_shows_a_joint_examination_made_through_the_api(
    live: Live, chromium: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    declaration_id, exam = _joint_examination(live, tmp_path)
    day = exam["start"][:10]
    today = datetime.now(UTC).date()
    period = [(today - timedelta(days=13 - i)).isoformat() for i in range(14)]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "console",
                lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None,
            )
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(live.base)
                    else problems.append(f"outside request: {r.url}")
                ),
            )
            page.goto(f"{live.base}/jtc")
            expect(page.get_by_role("heading", name="Joint targeting centre")).to_be_visible()
            token = live.tokens.jtc()["authorization"].removeprefix("Bearer ")
            page.get_by_label("JTC token").fill(token)
            page.get_by_role("button", name="Connect").click()
            expect(page.locator("#status")).to_have_text(
                "Connected. The token is kept in this tab only."
            )
            assert page.evaluate("sessionStorage.getItem('jtc.token')") is not None
            assert page.evaluate("localStorage.length") == 0

            # The board, at the chicken's office on its examination day.
            page.locator("#office").select_option(OFFICE)
            page.locator("#day").fill(day)
            page.locator("#board-form button[type=submit]").click()
            row = page.locator(f"#board-table tbody tr[data-declaration='{declaration_id}']")
            expect(row).to_have_count(1)
            cells = row.locator("td, th")
            expect(cells.nth(0)).to_have_text(
                f"{datetime.fromisoformat(exam['start']):%H:%M}\u2013"
                f"{datetime.fromisoformat(exam['end']):%H:%M}"
            )
            expect(cells.nth(1)).to_have_text("physical")
            expect(cells.nth(2)).to_have_text(exam["reference"])
            expect(cells.nth(3)).to_have_text(", ".join(exam["agencies"]))
            # Held: the chicken waits for its control.
            expect(
                page.locator(f"#held-table tbody tr[data-declaration='{declaration_id}']")
            ).to_have_count(1)

            # Its merged findings: both agencies, vet's profile, the exporter's name as text.
            row.get_by_role("button").click()
            detail = page.locator("#detail")
            expect(detail.locator("#detail-title")).to_have_text(exam["reference"])
            agencies = detail.locator("li.agency")
            expect(agencies.locator(".agency-head strong")).to_contain_text(["customs", "vet"])
            vet = detail.locator("li.agency[data-agency='vet']")
            expect(vet.locator(".finding-head strong").first).to_contain_text("VET-ORG-002")
            expect(vet.locator(".channel").first).to_have_text("red")
            expect(detail.locator(".raises")).to_contain_text("customs: raised to red")
            expect(detail.locator(".raises")).to_contain_text("seal broken")
            names = detail.locator(".party-name")
            expect(names.filter(has_text=INJECTED)).to_have_count(1)
            assert page.locator("img").count() == 0

            try:
                _check_charts(page, live, period)
            finally:  # the picture to look at, charts drawn or not
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert problems == []


def _check_charts(page: Any, live: Live, period: list[str]) -> None:
    """The channel mix has one bar group per day; the hit-rate chart one bar per profile."""
    from playwright.sync_api import expect

    expect(page.locator("#mix-chart svg g.day")).to_have_count(len(period))
    days = page.locator("#mix-chart svg g.day").evaluate_all(
        "gs => gs.map(g => g.getAttribute('data-day'))"
    )
    assert days == period
    today = page.locator(f"#mix-chart svg g.day[data-day='{period[-1]}']")
    assert today.locator("rect.seg[data-channel='red']").count() == 1
    performance = live.graphql(
        live.tokens.jtc(),
        "query($f: Date, $t: Date) { profilePerformance(from: $f, to: $t) { profileId } }",
        f=period[0],
        t=period[-1],
    )["profilePerformance"]
    profiles = [p["profileId"] for p in performance if p["profileId"] != "random"]
    assert "VET-ORG-002" in profiles
    expect(page.locator("#profiles-chart svg g.profile")).to_have_count(len(profiles))
    vet = page.locator("#profiles-chart svg g.profile[data-profile='VET-ORG-002']")
    expect(vet.locator("rect.bar")).to_have_count(1)  # the seizure: one control, one finding
    expect(vet.locator("text.value")).to_have_text("100.0 % (1/1)")
    review = live.graphql(
        live.tokens.jtc(),
        "query($f: Date!, $t: Date!) { effectivenessReview(from: $f, to: $t) { profileId } }",
        f=period[0],
        t=period[-1],
    )["effectivenessReview"]
    rows = page.locator("#review-table tbody tr")
    expect(rows).to_have_count(max(1, len(review)))  # none flagged: one row says so
