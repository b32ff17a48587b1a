"""audioscope: a desktop explorer for the UrbanSound8K dataset."""

__version__ = "0.1.0"
