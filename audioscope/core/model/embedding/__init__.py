"""Pretrained audio embeddings (BirdNET V2.4, aiSFX) run by onnxruntime: their inputs, the
runtime that checks and loads the model files, and the pooled clip vector."""
