FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml .
RUN pip install --no-cache-dir . && rm -rf build
COPY . .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
