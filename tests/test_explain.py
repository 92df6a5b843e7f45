"""Grad-CAM (:mod:`emolib.explain`) on a tiny hand-weighted Keras model whose attribution is known.

The model sees a 48x48 face of mid-grey (128) with a bright square (255) in the top-left quadrant and a
dark square (0) in the bottom-right one. Its 1x1 convolution ``features`` has two channels: ``bright`` =
relu(x - 200), non-zero only on the bright square, and ``dark`` = relu(50 - x), non-zero only on the dark
square. ``pooled`` (4x4 average pooling, 12x12 maps) feeds a global average and a softmax whose "happy"
logit reads only the bright channel and whose "sad" logit reads only the dark one (all other logits 0).

So "happy" depends on the bright square alone: its Grad-CAM weights the bright channel up and the dark
channel down (raising "sad" lowers "happy"), and the map must sit on the bright square, nowhere near the
dark one; "sad" the other way round.
"""

from __future__ import annotations

import numpy as np
import pytest

from emolib.labels import CLASSES

HAPPY, SAD = CLASSES.index("happy"), CLASSES.index("sad")
BRIGHT = (slice(4, 20), slice(4, 20))  # rows, columns: 16x16, on the 4-pixel pooling grid
DARK = (slice(28, 40), slice(28, 40))  # 12x12: less evidence than the bright square, so "happy" wins


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("tensorflow")
    import keras

    inputs = keras.Input((48, 48, 1))
    features = keras.layers.Conv2D(2, 1, activation="relu", name="features")(inputs)
    pooled = keras.layers.AveragePooling2D(4, name="pooled")(features)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax", name="probabilities")(
        keras.layers.GlobalAveragePooling2D(name="mean")(pooled))
    model = keras.Model(inputs, outputs, name="two_squares")
    model.get_layer("features").set_weights([np.array([[[[1.0, -1.0]]]], np.float32),
                                             np.array([-200.0, 50.0], np.float32)])
    dense = np.zeros((2, len(CLASSES)), np.float32)
    dense[0, HAPPY] = dense[1, SAD] = 0.1
    model.get_layer("probabilities").set_weights([dense, np.zeros(len(CLASSES), np.float32)])
    return model


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    face = np.full((48, 48), 128, np.uint8)
    face[BRIGHT] = 255
    face[DARK] = 0
    return np.stack([face, face])


def share(heatmap: np.ndarray, region: tuple[slice, slice], margin: int = 4) -> float:
    """Share of the heat within ``margin`` pixels of ``region`` (one 4-pixel cell: upsampling blurs the edge)."""
    rows, cols = (slice(max(0, r.start - margin), r.stop + margin) for r in region)
    return float(heatmap[rows, cols].sum() / heatmap.sum())


def test_the_model_is_what_the_docstring_says(model, faces: np.ndarray) -> None:  # noqa: ANN001
    probabilities = model.predict(faces[..., None].astype(np.float32), verbose=0)
    assert probabilities.argmax(axis=1).tolist() == [HAPPY, HAPPY]
    others = np.delete(probabilities[0], [HAPPY, SAD])
    assert probabilities[0, HAPPY] > probabilities[0, SAD] > others.max()


def test_default_layer_is_the_last_wide_enough_map(model) -> None:  # noqa: ANN001
    from emolib.training.explain import last_conv_layer

    assert last_conv_layer(model) == "pooled"  # 12x12; the dense layers after it have no maps
    assert last_conv_layer(model, min_side=13) == "features"  # 48x48
    with pytest.raises(ValueError, match="no convolutional layer"):
        last_conv_layer(model, min_side=49)


@pytest.mark.parametrize("layer", [None, "features"])
def test_grad_cam_lights_up_the_square_that_drives_the_class(model, faces: np.ndarray, layer: str | None) -> None:  # noqa: ANN001
    from emolib.training.explain import grad_cam

    happy, sad = grad_cam(model, faces, class_index=np.array([HAPPY, SAD]), layer=layer)
    for heatmap, on, off in ((happy, BRIGHT, DARK), (sad, DARK, BRIGHT)):
        assert heatmap.shape == (48, 48) and heatmap.dtype == np.float32
        assert heatmap.max() == pytest.approx(1)
        peak = np.unravel_index(heatmap.argmax(), heatmap.shape)
        assert on[0].start <= peak[0] < on[0].stop and on[1].start <= peak[1] < on[1].stop
        assert share(heatmap, on) > 0.97, "the map should sit on the square that drives the class"
        assert heatmap[off].max() < 0.05, "the other square pushes the class down: no heat there"
        assert heatmap[on].mean() > 0.5
    # the predicted class (None) is "happy" for both faces: the same maps as asking for it
    predicted = grad_cam(model, faces, layer=layer)
    np.testing.assert_allclose(predicted, np.stack([happy, happy]), atol=1e-5)
    np.testing.assert_allclose(grad_cam(model, faces, class_index=SAD, layer=layer), np.stack([sad, sad]), atol=1e-5)


def test_grad_cam_of_a_class_nothing_drives_is_all_zero(model, faces: np.ndarray) -> None:  # noqa: ANN001
    """"fear" reads no channel; both squares only lower it: no positive evidence anywhere."""
    from emolib.training.explain import grad_cam

    heatmaps = grad_cam(model, faces, class_index=CLASSES.index("fear"))
    assert heatmaps.shape == (2, 48, 48) and not heatmaps.any()


def test_grad_cam_wants_a_stack_of_faces(model, faces: np.ndarray) -> None:  # noqa: ANN001
    from emolib.training.explain import grad_cam

    with pytest.raises(ValueError, match=r"\(N, 48, 48\)"):
        grad_cam(model, faces[0])
