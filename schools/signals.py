"""Signals the schools app and the apps above it send, for the apps below to act on."""

from django.dispatch import Signal

# Something the public pages show has changed without a model's save (a
# ``QuerySet.update()``, which sends no ``post_save``): the public pages' cache listens.
public_data_changed = Signal()
