"""A row of filter controls for the clip table: classes, folds, salience, availability, text,
the model's verdict and confidence, and a removable chip for an explicit set of clips (e.g. a
cell of the confusion matrix)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from audioscope.core.dataset.clip_filter import ClipFilter
from audioscope.core.dataset.metadata import CLASS_NAMES, FOLDS, readable_class

TEXT_DEBOUNCE_MS = 150
SALIENCE_CHOICES = (("All saliences", None), ("Foreground", 1), ("Background", 2))
AVAILABILITY_CHOICES = (("All clips", None), ("On disk", True), ("Missing", False))
PREDICTION_CHOICES = (("Any prediction", None), ("Misclassified only", False), ("Correct only", True))


class _StayOpenMenu(QMenu):
    """A menu that stays open while checkable actions are toggled, for multi-selection."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class _MultiSelectButton(QToolButton):
    """A tool button whose menu holds one checkable action per choice; none checked = all."""

    def __init__(self, title: str, choices: Iterable[tuple[str, object]], on_toggled,
                 short_label=str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title, self._short_label = title, short_label
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = _StayOpenMenu(self)
        show_all = menu.addAction(f"All {title.lower()}")
        show_all.triggered.connect(self._on_all_triggered)
        menu.addSeparator()
        self.choice_actions: dict[object, QAction] = {}
        for label, value in choices:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setData(value)
            action.toggled.connect(on_toggled)
            self.choice_actions[value] = action
        self.setMenu(menu)
        self._on_toggled = on_toggled
        self.update_text()

    def selected(self) -> frozenset:
        return frozenset(v for v, a in self.choice_actions.items() if a.isChecked())

    def set_selected(self, values: Iterable[object]) -> None:
        """Check exactly ``values`` without emitting ``toggled``."""
        values = set(values)
        for value, action in self.choice_actions.items():
            with QSignalBlocker(action):
                action.setChecked(value in values)
        self.update_text()

    def update_text(self) -> None:
        chosen = [self._short_label(v) for v, a in self.choice_actions.items() if a.isChecked()]
        if not chosen:
            summary = "all"
        elif len(chosen) <= 2:
            summary = ", ".join(chosen)
        else:
            summary = f"{len(chosen)} selected"
        self.setText(f"{self._title}: {summary}")

    def _on_all_triggered(self) -> None:
        self.set_selected(())
        self._on_toggled(False)


class FilterBar(QWidget):
    """Filter controls; emits ``filter_changed(ClipFilter)`` when the user changes one.

    Text edits are debounced by ``TEXT_DEBOUNCE_MS``; Return applies them at once. A names
    criterion (set only through ``set_filter``) shows as a chip whose ✕ removes just it.
    """

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last_emitted = ClipFilter()
        self.class_button = _MultiSelectButton(
            "Classes", ((readable_class(name), name) for name in CLASS_NAMES),
            self._on_choice_toggled, short_label=readable_class)
        self.fold_button = _MultiSelectButton(
            "Folds", ((f"Fold {fold}", fold) for fold in FOLDS), self._on_choice_toggled)
        self.salience_combo = self._combo(SALIENCE_CHOICES, "Foreground or background sounds")
        self.availability_combo = self._combo(AVAILABILITY_CHOICES,
                                              "Clips whose audio file is on disk, or missing")
        self.prediction_combo = self._combo(PREDICTION_CHOICES, "Clips the model got wrong, or right "
                                            "(the Predicted and Correct columns)")
        self.confidence_low, self.confidence_high = (self._percent(v) for v in (0, 100))
        self.text_edit = QLineEdit(placeholderText="Search file, class or fsID")
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.textChanged.connect(self._on_text_edited)
        self.text_edit.returnPressed.connect(self._on_text_debounced)
        self._text_timer = QTimer(self, singleShot=True, interval=TEXT_DEBOUNCE_MS)
        self._text_timer.timeout.connect(self._on_text_debounced)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Show all clips")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.count_label = QLabel()
        self._names: frozenset[str] = frozenset()
        self._names_label = ""
        self.names_chip = QFrame(objectName="namesChip")
        self.names_text = QLabel()
        self.names_clear_button = QToolButton(text="✕", autoRaise=True)
        self.names_clear_button.setToolTip("Remove this clip set; the other filters stay")
        self.names_clear_button.clicked.connect(self._on_names_cleared)
        chip_row = QHBoxLayout(self.names_chip)
        chip_row.setContentsMargins(6, 0, 0, 0)
        chip_row.setSpacing(2)
        chip_row.addWidget(self.names_text)
        chip_row.addWidget(self.names_clear_button)
        chip_row.addStretch(1)
        self.names_chip.setStyleSheet(
            "#namesChip { background: rgba(88, 166, 255, 45); border-radius: 4px; }")
        self.names_chip.hide()

        layout = QGridLayout(self)  # two rows: fits the narrow left-hand panel
        layout.setContentsMargins(0, 0, 0, 0)
        for column, widget in enumerate((self.class_button, self.fold_button, self.salience_combo,
                                         self.availability_combo)):
            layout.addWidget(widget, 0, column)
        search_row = QHBoxLayout()
        search_row.addWidget(self.text_edit, stretch=1)
        search_row.addWidget(self.clear_button)
        search_row.addWidget(self.count_label)
        layout.addLayout(search_row, 1, 0, 1, 4)
        prediction_row = QHBoxLayout()
        prediction_row.addWidget(self.prediction_combo)
        prediction_row.addWidget(QLabel("confidence"))
        for widget in (self.confidence_low, QLabel("–"), self.confidence_high):
            prediction_row.addWidget(widget)
        prediction_row.addStretch(1)
        layout.addLayout(prediction_row, 2, 0, 1, 4)
        layout.addWidget(self.names_chip, 3, 0, 1, 4)
        self.set_counts(0, 0)

    def _combo(self, choices: tuple[tuple[str, object], ...], tip: str) -> QComboBox:
        combo = QComboBox(toolTip=tip)
        for label, value in choices:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(self._on_choice_toggled)
        return combo

    def _percent(self, value: int) -> QSpinBox:
        box = QSpinBox(minimum=0, maximum=100, value=value, suffix=" %", toolTip="The model's "
                       "confidence in its predicted class; clips without a prediction are hidden")
        box.valueChanged.connect(self._on_choice_toggled)
        return box

    def current_filter(self) -> ClipFilter:
        """The filter the widgets show now (including text not yet debounced)."""
        low, high = sorted((self.confidence_low.value(), self.confidence_high.value()))
        return ClipFilter(classes=self.class_button.selected(), folds=self.fold_button.selected(),
                          salience=self.salience_combo.currentData(),
                          availability=self.availability_combo.currentData(),
                          text=self.text_edit.text(), names=self._names,
                          names_label=self._names_label, correct=self.prediction_combo.currentData(),
                          confidence=(low / 100, high / 100))

    def set_filter(self, clip_filter: ClipFilter, *, notify: bool = False) -> None:
        """Show ``clip_filter`` in the widgets; emit ``filter_changed`` only if ``notify``."""
        self._text_timer.stop()
        self.class_button.set_selected(clip_filter.classes)
        self.fold_button.set_selected(clip_filter.folds)
        for combo, value in ((self.salience_combo, clip_filter.salience),
                             (self.availability_combo, clip_filter.availability),
                             (self.prediction_combo, clip_filter.correct)):
            with QSignalBlocker(combo):
                combo.setCurrentIndex(max(0, combo.findData(value)))
        low, high = clip_filter.confidence or (0.0, 1.0)
        for box, value in ((self.confidence_low, low), (self.confidence_high, high)):
            with QSignalBlocker(box):
                box.setValue(round(value * 100))
        with QSignalBlocker(self.text_edit):
            self.text_edit.setText(clip_filter.text)
        self._show_names(clip_filter.names, clip_filter.names_label)
        if notify:
            self._emit_if_changed()
        else:
            self._last_emitted = self.current_filter()

    def set_counts(self, shown: int, total: int) -> None:
        self.count_label.setText(f"showing {shown} of {total} clips")

    def _emit_if_changed(self) -> None:
        current = self.current_filter()
        if current != self._last_emitted:
            self._last_emitted = current
            self.filter_changed.emit(current)

    def _on_choice_toggled(self, *_args) -> None:
        self.class_button.update_text()
        self.fold_button.update_text()
        self._emit_if_changed()

    def _on_text_edited(self, _text: str) -> None:
        self._text_timer.start()

    def _on_text_debounced(self) -> None:
        self._text_timer.stop()
        self._emit_if_changed()

    def _show_names(self, names: frozenset[str], label: str) -> None:
        self._names, self._names_label = names, label if names else ""
        description = ClipFilter(names=names, names_label=label).describe_names()
        self.names_text.setText(description)
        self.names_chip.setToolTip(f"Only these clips: {description}" if names else "")
        self.names_chip.setVisible(bool(names))

    def _on_names_cleared(self) -> None:
        self._text_timer.stop()
        self._show_names(frozenset(), "")
        self._emit_if_changed()

    def _on_clear_clicked(self) -> None:
        self.set_filter(ClipFilter(), notify=True)
