from django.apps import AppConfig


class SynthConfig(AppConfig):
    # No models and no screens: only the ``synth`` command (docs/benchmarks.md).
    name = "peerway.synth"
    label = "synth"
    verbose_name = "Synthetic data"
