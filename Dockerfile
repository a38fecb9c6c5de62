# gesture-scan serve on the CPU (issue 18). Build from the repository root:
#   docker build -t gesture-scan .
#   docker run --rm -p 8000:8000 -e GESTURE_SCAN_TOKEN="$(cat token.txt)" \
#       -v gesture-scan-jobs:/var/lib/gesture-scan/jobs gesture-scan
# The server listens on 0.0.0.0 inside the container, so it refuses to start without a token
# (GESTURE_SCAN_TOKEN, or a mounted file: ... gesture-scan serve --token-file /run/secrets/token).
# Everything the scan needs is in the image: the models ship in the mediapipe, rapidocr and
# face_recognition_models wheels and in weights/; nothing is downloaded at run time.
FROM python:3.11-slim

# OpenCV's wheels link libGL and glib; mediapipe and dlib-bin need nothing more.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/gesture-scan
COPY pyproject.toml README.md ./
COPY src ./src
COPY weights ./weights
# The CPU scan and the service only: no torch (the gpu extra), no test tools.
RUN pip install --no-cache-dir '.[serve]'

# Never root; job state in a volume so finished jobs survive a restart of the container.
RUN useradd --create-home --uid 10001 scan \
    && mkdir -p /var/lib/gesture-scan/jobs \
    && chown -R scan /var/lib/gesture-scan \
    && chmod 700 /var/lib/gesture-scan/jobs
USER scan
VOLUME ["/var/lib/gesture-scan/jobs"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"

CMD ["gesture-scan", "serve", "--host", "0.0.0.0", "--port", "8000", \
     "--jobs-dir", "/var/lib/gesture-scan/jobs"]
