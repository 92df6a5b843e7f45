"""Model architectures, registered by name so new ones plug in without touching callers.

Every builder returns a Keras model that takes ``(N, 48, 48, 1)`` float32 pixels in 0-255 (scaling lives
inside the model, so exported files take raw pixels) and returns ``(N, 7)`` softmax probabilities in
:data:`emolib.CLASSES` order. Only Keras layers are used, so the same code runs on the TensorFlow, JAX and
PyTorch backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emolib.labels import CLASSES, FACE_SIZE
from emolib.training._keras import import_keras

ARCHITECTURES: dict[str, Callable[..., Any]] = {}


def register(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding a model builder to :data:`ARCHITECTURES` under ``name``."""

    def add(builder: Callable[..., Any]) -> Callable[..., Any]:
        ARCHITECTURES[name] = builder
        return builder

    return add


def build_model(name: str, **options: Any) -> Any:
    """Build the registered architecture ``name`` (see :data:`ARCHITECTURES`)."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose from {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name](**options)


def _inputs(keras: Any) -> tuple[Any, Any]:
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    return inputs, keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="scale")(inputs)


def _conv_bn_relu(keras: Any, x: Any, filters: int, name: str) -> Any:
    x = keras.layers.Conv2D(filters, 3, use_bias=False, name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.Activation("relu", name=f"{name}_relu")(x)


def _xception_module(keras: Any, x: Any, filters: int, name: str) -> Any:
    """Residual module: separable convs + max-pool, added to a 1x1 shortcut that also halves the size.

    The shortcut subsamples with a 1x1 max-pool before a stride-1 1x1 conv: the same function as the
    original stride-2 1x1 conv, without the oneDNN gradient crash of strided 1x1 convs in TF 2.21.
    """
    layers = keras.layers
    shortcut = layers.MaxPooling2D(1, strides=2, padding="same", name=f"{name}_subsample")(x)
    shortcut = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_shortcut")(shortcut)
    shortcut = layers.BatchNormalization(name=f"{name}_shortcut_bn")(shortcut)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_sep1")(x)
    x = layers.BatchNormalization(name=f"{name}_sep1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_sep1_relu")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_sep2")(x)
    x = layers.BatchNormalization(name=f"{name}_sep2_bn")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return layers.Add(name=f"{name}_add")([x, shortcut])


@register("mini_xception")
def mini_xception(
    *,
    base_filters: int = 8,
    module_filters: tuple[int, ...] = (16, 32, 64, 128),
    dropout: float = 0.0,
    name: str = "mini_xception",
) -> Any:
    """The seed's mini-Xception (Arriaga et al. 2017): two conv+BN+ReLU layers, four residual
    separable-conv modules, a conv to 7 maps, global average pooling and softmax (~60k parameters)."""
    keras = import_keras()

    inputs, x = _inputs(keras)
    x = _conv_bn_relu(keras, x, base_filters, "base1")
    x = _conv_bn_relu(keras, x, base_filters, "base2")
    for index, filters in enumerate(module_filters, start=1):
        x = _xception_module(keras, x, filters, f"module{index}")
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Conv2D(len(CLASSES), 3, padding="same", name="class_maps")(x)
    x = keras.layers.GlobalAveragePooling2D(name="average")(x)
    outputs = keras.layers.Activation("softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


@register("mini_xception_wide")
def mini_xception_wide(**options: Any) -> Any:
    """The mini-Xception with twice the filters everywhere (~220k parameters): same design, more capacity."""
    options = {"base_filters": 16, "module_filters": (32, 64, 128, 256), "dropout": 0.2, **options}
    return mini_xception(name="mini_xception_wide", **options)


@register("compact_vgg")
def compact_vgg(
    *,
    widths: tuple[int, ...] = (16, 32, 64, 128),
    convs_per_stage: int = 2,
    dropout: float = 0.3,
    name: str = "compact_vgg",
) -> Any:
    """A small VGG-style CNN (~300k parameters, ~0.6 ms per face with LiteRT): stages of plain 3x3
    conv+BN+ReLU halved by max-pooling, then global average pooling and a dense softmax.

    A different design from the mini-Xception (full rather than separable convolutions, no shortcuts), so
    its mistakes differ: averaged with a mini-Xception it gains more than a second mini-Xception would.
    """
    keras = import_keras()

    layers = keras.layers
    inputs, x = _inputs(keras)
    for stage, filters in enumerate(widths, start=1):
        for index in range(1, convs_per_stage + 1):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"stage{stage}_conv{index}")(x)
            x = layers.BatchNormalization(name=f"stage{stage}_bn{index}")(x)
            x = layers.Activation("relu", name=f"stage{stage}_relu{index}")(x)
        if stage < len(widths):
            x = layers.MaxPooling2D(2, name=f"stage{stage}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="average")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(len(CLASSES), activation="softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


@register("compact_vgg_deep")
def compact_vgg_deep(**options: Any) -> Any:
    """``compact_vgg`` with a fifth stage of 256 filters at 3x3 (~1.2M parameters, ~0.85 ms per face).

    The extra capacity sits where the feature map is smallest, so it costs little time: four times the
    parameters of ``compact_vgg`` for 1.4 times its run time, and flip averaging still fits in 2 ms.
    """
    options = {"widths": (16, 32, 64, 128, 256), "name": "compact_vgg_deep", **options}
    return compact_vgg(**options)
