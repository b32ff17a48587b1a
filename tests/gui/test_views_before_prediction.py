"""The views do not wait for the embeddings: waveform, mel and MFCC are drawn first, the
prediction when it arrives; a prediction for a clip no longer shown is dropped."""

from __future__ import annotations

from audioscope.core.dataset.clip_filter import ClipFilter

WAIT_MS = 60_000


def test_views_are_drawn_before_the_prediction_arrives(qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS):     # warm: models loaded
        window.browser.select_row(0)
    events: list[tuple[str, object]] = []
    window.current.inspected.connect(lambda i: events.append(("views", i)))
    window.current.predicted.connect(lambda i: events.append(("prediction", i)))
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS):
        window.browser.select_row(1)
    assert [kind for kind, _ in events] == ["views", "prediction"]
    views, predicted = events[0][1], events[1][1]
    assert views.prediction is None                                   # drawn without it
    assert predicted.analysis is views.analysis and predicted.prediction is not None
    assert window.current.predictions.bar_values()[0][0] == predicted.prediction.predicted
    assert window.current.predictions.isEnabled()


def test_a_prediction_for_a_clip_no_longer_shown_is_dropped(qtbot, window, originals_root):
    with qtbot.waitSignal(window.dataset_opened, timeout=WAIT_MS):
        window.open_dataset(originals_root)
    window.browser.filter_bar.set_filter(ClipFilter(availability=True), notify=True)
    with qtbot.waitSignal(window.current.predicted, timeout=WAIT_MS):
        window.browser.select_row(0)
    shown: list[object] = []
    window.current.predicted.connect(shown.append)
    for row in range(1, 6):                        # stepping on faster than predictions come
        window.browser.select_row(row)
        qtbot.wait(5)
    qtbot.waitUntil(lambda: bool(shown) and shown[-1].request.row["slice_file_name"]
                    == window.browser.proxy.row_record(5)["slice_file_name"], timeout=WAIT_MS)
    qtbot.wait(500)
    last = window.current.inspection
    assert last.prediction is not None and shown[-1] is last
    assert all(i.analysis is last.analysis for i in shown[-1:])
    assert window.current.predictions.verdict_text().startswith("predicted")
