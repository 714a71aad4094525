# The images of docker-compose.yaml, one stage each, on one shared stage.
#
# Layers are ordered by how often their inputs change, so an edit rebuilds only what it
# touches: the locks (minutes of pip) first, the project's code (seconds) last. A change
# to include/ reinstalls only the package; to dev/, only a copy; to README or docs/,
# nothing (they are not in the build context).

# `runtime`: Airflow's official image of the locked Airflow version and Python, plus
# exactly the runtime lock. Both images start from it.
FROM apache/airflow:3.3.2-python3.11 AS runtime

COPY --chown=airflow:0 requirements.txt /opt/airflow/requirements.txt
# The lock pins apache-airflow itself, so pip cannot move the image's Airflow.
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt

# `airflow`: what production runs: the runtime lock and the project package (tests check
# the tag against requirements.txt, and that this stage never installs the dev lock or
# copies dev/).
FROM runtime AS airflow

# The project package, installed as its wheel would be (its dependencies are the lock's).
# Compose mounts include/ over it for development; see docker-compose.yaml.
COPY --chown=airflow:0 pyproject.toml /tmp/project/
COPY --chown=airflow:0 include /tmp/project/include
RUN pip install --no-cache-dir --no-deps /tmp/project && rm -rf /tmp/project

# The login of the local web UI (simple auth manager): admin / admin, as in `make airflow`.
RUN echo '{"admin": "admin"}' > /opt/airflow/simple_auth_manager_passwords.json

# `dev`: the local stand-ins (AWS, Wikipedia, sample site) run from this image: the runtime
# lock, the dev lock (moto, test and lint tools) under its constraint, and the dev/
# package, found from the working directory by `python -m dev.standins.<name>`. The
# stand-ins import nothing of the project package, so the image does not hold it and a
# code change leaves it alone.
FROM runtime AS dev

COPY --chown=airflow:0 requirements-dev.txt /opt/airflow/requirements-dev.txt
RUN pip install --no-cache-dir -c /opt/airflow/requirements.txt -r /opt/airflow/requirements-dev.txt
COPY --chown=airflow:0 dev /opt/airflow/dev
