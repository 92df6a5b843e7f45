"""Explore an evaluation: pick one of the most confused class pairs and see those faces."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from emolib.training.plots import confused_examples, figure_png, gallery


class ConfusionExplorer(widgets.VBox):
    """A menu of the ``top`` most confused (true, predicted) pairs of an :class:`emolib.training.evaluate.Evaluation`
    (made with ``keep_images=True``) and a gallery of the faces behind the chosen pair, most confident first.
    """

    def __init__(self, evaluation: Any, *, top: int = 10, limit: int = 16) -> None:
        if evaluation.images is None:
            raise ValueError("the evaluation kept no images; run evaluate(..., keep_images=True)")
        self.evaluation = evaluation
        self.limit = limit
        pairs = evaluation.most_confused(top)
        options = [(f"{r.true} → {r.predicted}: {r.count} faces ({r.share_of_true:.0%} of {r.true})",
                    (r.true, r.predicted)) for r in pairs.itertuples()]
        self.pair = widgets.Dropdown(options=options, description="confusion", layout={"width": "460px"})
        self.picture = widgets.Image(format="png", layout={"max_width": "100%"})
        super().__init__([self.pair, self.picture])
        self.pair.observe(lambda _: self.show(*self.pair.value), "value")
        if options:
            self.show(*self.pair.value)

    def show(self, true: str, predicted: str) -> None:
        """Show the faces of class ``true`` that the model called ``predicted``."""
        rows = confused_examples(self.evaluation, true, predicted, limit=self.limit)
        probabilities = self.evaluation.probabilities
        titles = [f"p({predicted})={probabilities[r].max():.0%}" for r in rows]
        figure = gallery(self.evaluation.images[rows], titles, columns=8,
                         title=f"true {true}, predicted {predicted}")
        self.picture.value = figure_png(figure, dpi=80)
