"""Training, evaluation and export: everything that needs the ``train`` extra (TensorFlow/Keras) or the dataset.

Modules: :mod:`~emolib.training.data` (FER2013 and FERPlus), :mod:`~emolib.training.model` (architectures),
:mod:`~emolib.training.layers`, :mod:`~emolib.training.augment`, :mod:`~emolib.training.train` (``fit``),
:mod:`~emolib.training.evaluate` (metrics), :mod:`~emolib.training.export` (``.tflite``),
:mod:`~emolib.training.classifier` (Keras models behind ``predict``), :mod:`~emolib.training.plots`,
:mod:`~emolib.training.explain` (Grad-CAM), :mod:`~emolib.training.audit`, :mod:`~emolib.training.synthetic`.
It sits beside the runtime: it may use the runtime (detectors, LiteRT classifier, media), never the reverse.
Importing this package imports nothing heavy; TensorFlow loads only when a model is built or loaded.
"""
