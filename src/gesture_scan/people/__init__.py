"""People stage: faces counted with MediaPipe face detection (``stage``), geometry model-free."""
