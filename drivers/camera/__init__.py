"""Camera: capture on its own thread (OpenCV or file emulator), QR decoding, face quality, document capture."""
