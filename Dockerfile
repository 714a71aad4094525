# The images of docker-compose.yaml, one stage each.
#
# `airflow`: what production runs. Airflow's official image of the locked Airflow version and
# Python, plus exactly the runtime lock and the project package (tests check the tag against
# requirements.txt, and that this stage never installs the dev lock or copies dev/).
FROM apache/airflow:3.3.2-python3.11 AS airflow

COPY --chown=airflow:0 requirements.txt /opt/airflow/requirements.txt
# The lock pins apache-airflow itself, so pip cannot move the image's Airflow.
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt

# The project package, installed as its wheel would be (its dependencies are the lock's).
# Compose mounts include/ over it for development; see docker-compose.yaml.
COPY --chown=airflow:0 pyproject.toml README.md /tmp/project/
COPY --chown=airflow:0 include /tmp/project/include
RUN pip install --no-cache-dir --no-deps /tmp/project && rm -rf /tmp/project

# The login of the local web UI (simple auth manager): admin / admin, as in `make airflow`.
RUN echo '{"admin": "admin"}' > /opt/airflow/simple_auth_manager_passwords.json

# `dev`: the local stand-ins (AWS, Wikipedia, sample site) run from this image. The dev lock
# (moto, test and lint tools) under the runtime lock's constraint, and the dev/ package,
# found from the working directory by `python -m dev.standins.<name>`.
FROM airflow AS dev

COPY --chown=airflow:0 requirements-dev.txt /opt/airflow/requirements-dev.txt
RUN pip install --no-cache-dir -c /opt/airflow/requirements.txt -r /opt/airflow/requirements-dev.txt
COPY --chown=airflow:0 dev /opt/airflow/dev
