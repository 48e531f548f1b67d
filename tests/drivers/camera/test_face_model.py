"""Where the bundled dlib model files are found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drivers.camera.face_model import FaceModelsUnavailable, model_file


def test_model_files_are_found_in_the_installed_package():
    path = Path(model_file("shape_predictor_5_face_landmarks.dat"))
    assert path.is_file() and path.parent.name == "models"


def test_a_missing_model_file_is_a_clear_error():
    with pytest.raises(FaceModelsUnavailable, match=r"no-such-model\.dat is missing"):
        model_file("no-such-model.dat")


def test_loading_the_models_does_not_import_pkg_resources():
    """face_recognition_models' own __init__ imports pkg_resources (0.3 s, 15 MB at start-up)."""
    code = ("import sys; from drivers.camera.face_model import FaceModels; FaceModels(); "
            "print('pkg_resources' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
