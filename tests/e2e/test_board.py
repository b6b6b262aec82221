"""The board in a real browser: drag and drop with real pointer events, the Move-to menu, the
lost/invalid question, a failed move put back, bulk assignment and the edit panel. Afterwards
the sandbox's log holds exactly one PUT per moved card, with only the changed field."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from dealeradmin.board import views as board_views
from dealeradmin.clusters.models import LeadCluster
from tests.conftest import BRISBANE, GROUP_TOKEN
from tests.e2e.conftest import signed_in_page

WIDE = {"width": 2700, "height": 1200}  # every salesperson's column in view
SARAH, JAMES, PRIYA = 1001, 1002, 1003


@pytest.fixture
def board_page(browser, live_server, manager, settings):
    # One attempt per move, so an injected failure is seen as it is and counted once.
    settings.DEALERSTUDIO_INTERACTIVE_RETRY_SECONDS = 0
    page = signed_in_page(browser, live_server, manager, viewport=WIDE)
    yield page
    page.context.close()
    assert not page.js_errors, f"JavaScript errors on the page: {page.js_errors}"


def _card(page, cluster_id: int):
    return page.locator(f"#card-{cluster_id}")


def _column(page, key) -> object:
    return page.locator(f'.card-list[data-column="{key}"]')


def _count(page, key):
    return page.locator(f"#head-{key} .count")


def _drag(page, card, column) -> None:
    """A real pointer drag: press on the card's handle, move in steps, release over the column."""
    handle = card.locator(".drag-handle")
    handle.hover()  # waits until the card stands still (cards glide when a neighbour leaves)
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + 25, steps=5)
    target = column.bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=15)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 34, steps=2)
    page.mouse.up()


def _first_in(page, key) -> int:
    return int(_column(page, key).locator(".card").first.get_attribute("data-cluster-id"))


def _puts(sandbox) -> list[tuple[int, dict]]:
    return [
        (int(p["path"].rsplit("/", 1)[1]), p["body"]["lead_cluster"])
        for p in sandbox.requests(method="PUT")
    ]


def _in_db(key_field: str, value) -> int:
    return LeadCluster.objects.filter(dealership_id=101, **{key_field: value}).count()


def test_dragging_a_card_to_another_salesperson_reassigns_it_and_updates_both_counts(
    board_page, sandbox
):
    page = board_page
    page.goto("/board/")
    moved = _first_in(page, SARAH)
    _drag(page, _card(page, moved), _column(page, JAMES))

    expect(_column(page, JAMES).locator(f"#card-{moved}")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Moved ")
    expect(page.locator("#messages")).to_contain_text("to James O'Connor.")
    expect(_count(page, SARAH)).to_contain_text(str(_in_db("assignee_id", SARAH)))
    expect(_count(page, JAMES)).to_contain_text(str(_in_db("assignee_id", JAMES)))
    assert LeadCluster.objects.get(pk=moved).assignee_id == JAMES
    assert _puts(sandbox) == [(moved, {"user_id": JAMES})]


def test_two_quick_drags_in_a_row_both_go_through(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    first, second = (
        int(c.get_attribute("data-cluster-id"))
        for c in _column(page, SARAH).locator(".card").all()[:2]
    )
    _drag(page, _card(page, first), _column(page, JAMES))
    _drag(page, _card(page, second), _column(page, PRIYA))  # before the first has answered

    expect(_column(page, JAMES).locator(f"#card-{first}")).to_be_visible()
    expect(_column(page, PRIYA).locator(f"#card-{second}")).to_be_visible()
    expect(page.locator(f"#card-{first}.is-saving, #card-{second}.is-saving")).to_have_count(0)
    assert sorted(_puts(sandbox)) == sorted(
        [(first, {"user_id": JAMES}), (second, {"user_id": PRIYA})]
    )


def test_the_unassigned_column_takes_no_drops(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    card_id = _first_in(page, SARAH)
    _drag(page, _card(page, card_id), _column(page, "none"))
    expect(_column(page, SARAH).locator(f"#card-{card_id}")).to_be_visible()
    expect(page.locator("body.board-dragging")).to_have_count(0)
    assert _puts(sandbox) == []


def test_the_move_to_menu_works_from_the_keyboard_and_announces_the_result(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    card_id = _first_in(page, SARAH)
    card = _card(page, card_id)
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    menu = card.get_by_label(re.compile(r"^Move .* to$"))
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    menu.select_option(label="Priya Sharma")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")

    expect(_column(page, PRIYA).locator(f"#card-{card_id}")).to_be_visible()
    live = page.locator("#messages[aria-live=polite]")
    expect(live).to_contain_text("to Priya Sharma.")
    assert _puts(sandbox) == [(card_id, {"user_id": PRIYA})]


def test_dropping_into_lost_asks_first_and_cancelling_puts_the_card_back(board_page, sandbox):
    page = board_page
    page.goto("/board/?group=state")
    new = _column(page, "new")
    card_id = _first_in(page, "new")
    next_id = new.locator(".card").nth(1).get_attribute("id")

    _drag(page, _card(page, card_id), _column(page, "lost"))
    dialog = page.get_by_role("dialog", name="Mark as lost?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(new.locator(f"#card-{card_id}")).to_be_visible()
    # Back in its old place, not merely in its old column.
    assert new.locator(f"#card-{card_id} + .card").get_attribute("id") == next_id
    assert _puts(sandbox) == []

    _drag(page, _card(page, card_id), _column(page, "lost"))
    dialog.get_by_role("button", name="Yes, mark as lost").click()
    expect(_column(page, "lost").locator(f"#card-{card_id}")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("to Lost.")
    assert _puts(sandbox) == [(card_id, {"lead_state": "lost"})]


def test_a_move_dealerstudio_refuses_goes_back_and_says_why(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    card_id = _first_in(page, SARAH)
    sarah_count = _count(page, SARAH).inner_text()
    sandbox.inject_fault(method="PUT", path="/api/v1/*", status=503, times=5)

    _drag(page, _card(page, card_id), _column(page, JAMES))
    expect(page.locator("#messages .message-error")).to_contain_text(
        "DealerStudio is having trouble right now (HTTP 503)"
    )
    expect(_column(page, SARAH).locator(f"#card-{card_id}")).to_be_visible()
    expect(_column(page, SARAH).locator(".card").first).to_have_id(f"card-{card_id}")
    expect(_count(page, SARAH)).to_have_text(sarah_count)
    assert LeadCluster.objects.get(pk=card_id).assignee_id == SARAH
    assert _puts(sandbox) == [(card_id, {"user_id": JAMES})]


def test_a_drag_after_a_failed_one_shows_only_its_own_outcome(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    sandbox.inject_fault(method="PUT", path="/api/v1/*", status=503, times=1)
    _drag(page, _card(page, _first_in(page, SARAH)), _column(page, JAMES))
    expect(page.locator("#messages .message-error")).to_have_count(1)

    moved = _first_in(page, SARAH)
    _drag(page, _card(page, moved), _column(page, JAMES))
    expect(page.locator("#messages .message-success")).to_contain_text("to James O'Connor.")
    expect(page.locator("#messages .message")).to_have_count(1)


def test_bulk_assigning_five_cards_reports_each_and_moves_them(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    ids = [
        int(c.get_attribute("data-cluster-id"))
        for c in _column(page, JAMES).locator(".card").all()[:3]
    ] + [
        int(c.get_attribute("data-cluster-id"))
        for c in _column(page, PRIYA).locator(".card").all()[:2]
    ]
    for cluster_id in ids:
        _card(page, cluster_id).get_by_role("checkbox").check()
    expect(page.locator("#bulk-count")).to_have_text("5 selected")
    page.get_by_label("Assign selected to").select_option(label="Sarah Mitchell")
    page.get_by_role("button", name="Apply to selected").click()

    results = page.locator("#bulk-results li")
    expect(results).to_have_count(5)
    expect(page.locator("#bulk-results .result-ok")).to_have_count(5)
    for cluster_id in ids:
        expect(_column(page, SARAH).locator(f"#card-{cluster_id}")).to_be_visible()
        expect(_card(page, cluster_id).get_by_role("checkbox")).not_to_be_checked()
    expect(page.locator("#messages")).to_contain_text("Updated 5 of 5 selected lead clusters.")
    assert sorted(_puts(sandbox)) == sorted((i, {"user_id": SARAH}) for i in ids)


def test_a_bulk_failure_is_reported_and_stays_selected(board_page, sandbox):
    page = board_page
    page.goto("/board/")
    ids = [
        int(c.get_attribute("data-cluster-id"))
        for c in _column(page, JAMES).locator(".card").all()[:3]
    ]
    refused = ids[1]
    sandbox.inject_fault(
        method="PUT", path=f"/api/v1/dealerships/{BRISBANE}/lead_clusters/{refused}", status=403
    )
    for cluster_id in ids:
        _card(page, cluster_id).get_by_role("checkbox").check()
    page.get_by_label("Assign selected to").select_option(label="Priya Sharma")
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.locator("#bulk-results .result-failed")).to_have_count(1)
    expect(page.locator("#bulk-results .result-failed")).to_contain_text(f"#{refused}")
    expect(page.locator("#bulk-results .result-failed")).to_contain_text(
        "DealerStudio denied access"
    )
    expect(_column(page, JAMES).locator(f"#card-{refused}")).to_be_visible()
    expect(_card(page, refused).get_by_role("checkbox")).to_be_checked()
    expect(page.locator("#bulk-count")).to_have_text("1 selected")
    for cluster_id in (ids[0], ids[2]):
        expect(_column(page, PRIYA).locator(f"#card-{cluster_id}")).to_be_visible()
    assert sorted(_puts(sandbox)) == sorted((i, {"user_id": PRIYA}) for i in ids)


def _changed_in_panel(page) -> tuple[int, str, object]:
    """Opens Sarah's first card in the side panel and picks another lead state there: the
    card's id, that state and the panel."""
    page.goto("/board/")
    card_id = _first_in(page, SARAH)
    cluster = LeadCluster.objects.get(pk=card_id)
    new_state = "converted" if cluster.lead_state != "converted" else "contacted"
    _card(page, card_id).locator(".card-name a").click()
    panel = page.locator("#side-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=1)).to_contain_text(cluster.contact_name)
    panel.get_by_label("Lead state").select_option(new_state)
    return card_id, new_state, panel


def test_a_card_opens_in_a_side_panel_and_saving_there_updates_the_card(board_page, sandbox):
    page = board_page
    card_id, new_state, panel = _changed_in_panel(page)
    panel.get_by_role("button", name="Save to DealerStudio").click()

    expect(panel).to_be_hidden()
    expect(page.locator("#messages")).to_contain_text(f"Saved lead cluster #{card_id}")
    expect(_card(page, card_id).locator(".state")).to_have_text(new_state.capitalize())
    expect(page).to_have_url(re.compile(r"/board/$"))
    assert _puts(sandbox) == [(card_id, {"lead_state": new_state})]


def test_changes_made_elsewhere_reach_the_open_board_without_disturbing_a_drag(
    board_page, webhooks_to_live_server
):
    sandbox = webhooks_to_live_server
    page = board_page
    page.goto("/board/")
    dragged, changed = (
        int(c.get_attribute("data-cluster-id"))
        for c in _column(page, SARAH).locator(".card").all()[:2]
    )
    # Someone reassigns a cluster in DealerStudio itself; its webhook reaches the mirror.
    httpx.put(
        f"{sandbox.url}/api/v1/dealerships/{BRISBANE}/lead_clusters/{changed}",
        json={"lead_cluster": {"user_id": JAMES}},
        headers={"Authorization": f"Bearer {GROUP_TOKEN}"},
    ).raise_for_status()
    sandbox.flush_webhooks()
    assert LeadCluster.objects.get(pk=changed).assignee_id == JAMES

    handle = _card(page, dragged).locator(".drag-handle")
    handle.hover()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + 4, box["y"] + 6)
    page.mouse.down()
    target = _column(page, PRIYA).bounding_box()
    page.mouse.move(target["x"] + 100, target["y"] + 30, steps=15)
    expect(page.locator("body.board-dragging")).to_have_count(1)
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/board/changes/" in r.url else None)
    page.evaluate("htmx.trigger(document.body, 'boardRefresh')")  # as the 30 s timer does
    expect(_column(page, SARAH).locator(f"#card-{changed}")).to_be_visible()
    assert polls == []  # skipped while dragging: nothing moves under the pointer
    page.mouse.move(target["x"] + 100, target["y"] + 34, steps=2)
    page.mouse.up()
    expect(_column(page, PRIYA).locator(f"#card-{dragged}")).to_be_visible()

    page.evaluate("htmx.trigger(document.body, 'boardRefresh')")
    expect(_column(page, PRIYA).locator(f"#card-{dragged}")).to_be_visible()
    expect(_column(page, JAMES).locator(f"#card-{changed}")).to_be_visible()
    expect(_count(page, JAMES)).to_contain_text(str(_in_db("assignee_id", JAMES)))
    assert sorted(_puts(sandbox)) == sorted(
        [(changed, {"user_id": JAMES}), (dragged, {"user_id": PRIYA})]
    )


def test_a_double_click_on_save_in_the_panel_sends_one_put(board_page, sandbox):
    page = board_page
    card_id, new_state, panel = _changed_in_panel(page)
    sandbox.inject_fault(method="PUT", path="/api/v1/*", delay_ms=800)  # the first still out
    panel.get_by_role("button", name="Save to DealerStudio").dblclick()

    expect(page.locator("#messages")).to_contain_text(f"Saved lead cluster #{card_id}")
    expect(page.locator("#messages")).not_to_contain_text("being saved")
    assert _puts(sandbox) == [(card_id, {"lead_state": new_state})]


def _load_more(column) -> None:
    """Scrolls to the column's end once and waits for that page of cards to arrive."""
    more = column.locator(":scope > .more")
    url = more.get_attribute("hx-get")
    more.scroll_into_view_if_needed()
    expect(column.locator(f':scope > .more[hx-get="{url}"]')).to_have_count(0)


def test_a_column_loads_every_card_after_one_was_moved_into_it(board_page, sandbox, monkeypatch):
    """A card moved into a column, whose place is further down than the cards shown, must not
    push a card off that column's next page."""
    monkeypatch.setattr(board_views, "PER_COLUMN", 4)
    page = board_page
    page.set_viewport_size({"width": 2700, "height": 600})  # four cards fill a column
    page.goto("/board/?group=state&sort=-activity")
    new, contacted = _column(page, "new"), _column(page, "contacted")
    expect(contacted.locator(":scope > .card")).to_have_count(4)
    oldest = (
        LeadCluster.objects.filter(dealership_id=101, lead_state="new")
        .exclude(last_lead_created_at=None)
        .order_by("last_lead_created_at", "id")
        .first()
    )
    card = _card(page, oldest.id)
    while not card.count():  # its column loads page by page as it scrolls
        _load_more(new)
    card.locator("summary").click()
    card.get_by_label(re.compile(r"^Move .* to$")).select_option(label="Contacted")
    card.get_by_role("button", name="Move").click()
    expect(contacted.locator(f"#card-{oldest.id}")).to_be_visible()

    while contacted.locator(":scope > .more").count():
        _load_more(contacted)
    expected = LeadCluster.objects.filter(dealership_id=101, lead_state="contacted")
    expect(_count(page, "contacted")).to_have_attribute(
        "title", f"{expected.count()} lead clusters"
    )
    ids = contacted.locator(":scope > .card").evaluate_all(
        "cards => cards.map(card => Number(card.dataset.clusterId))"
    )
    assert sorted(ids) == sorted(expected.values_list("id", flat=True))
