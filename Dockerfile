# The image of docker-compose.yaml: Airflow's official image of the locked Airflow version
# and Python, plus exactly the lock the virtualenv and CI install (tests check the tag
# against requirements.txt).
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.txt /opt/airflow/requirements.txt
# The lock pins apache-airflow itself, so pip cannot move the image's Airflow.
RUN pip install --no-cache-dir -r /opt/airflow/requirements.txt

# The project package, editable as in the virtualenv: compose mounts include/ over this
# copy, so code changes need no rebuild.
COPY --chown=airflow:0 pyproject.toml README.md /opt/airflow/
COPY --chown=airflow:0 include /opt/airflow/include
RUN pip install --no-cache-dir --no-deps -e /opt/airflow

# The login of the local web UI (simple auth manager): admin / admin, as in `make airflow`.
RUN echo '{"admin": "admin"}' > /opt/airflow/simple_auth_manager_passwords.json
