"""Make moto's RDS backend (5.2.x) answer as the AWS API reference documents where the
database states depend on it.

Loaded in-process by the functional tests (``apply()`` before ``moto.mock_aws``) and into the
moto server the integration tests start (``PATCH_MODULES`` in ``tests/support/moto_server.py``).
``apply()`` is idempotent. Each gap it fills, as seen in moto 5.2.5:

 1. ``DescribeDBEngineVersions`` was not implemented (500 "has not been implemented"). Now it
    answers from ``ENGINE_VERSIONS`` below (a small, realistic table: PostgreSQL 15-17 with one
    default per engine; Aurora PostgreSQL with ``ServerlessV2FeaturesSupport.MinCapacity`` 0
    on the versions that can auto-pause (13.15+, 14.12+, 15.7+, 16.3+, 17) and 0.5 before),
    honouring ``Engine``, ``EngineVersion`` (full or major) and ``DefaultOnly``.
 2. ``PerformanceInsightsEnabled`` was never returned (``EnablePerformanceInsights`` on create
    and modify was dropped). moto 5.2.6 models it on create (``DBInstance.__init__`` sets
    ``performance_insights_enabled``) but a modify still only sets ``enable_performance_insights``.
    Each half is filled only where it is missing: after create, an instance without the
    attribute gets it; after a modify asking for a value, an instance showing another gets it.
 3. ``EnableHttpEndpoint`` and ``DisableHttpEndpoint`` (the Data API of Aurora Serverless v2
    and provisioned clusters, by ``ResourceArn``) were not implemented (500). Now they set
    the cluster's flag that ``DescribeDBClusters`` reports as ``HttpEndpointEnabled`` (moto
    only kept that flag for Serverless v1 clusters created with ``EnableHttpEndpoint``).

Checked and right in moto 5.2.5 (no patch): ``ServerlessV2ScalingConfiguration`` with
``MinCapacity`` 0 and ``SecondsUntilAutoPause`` is stored and returned on create and modify;
``ManageMasterUserPassword`` gives a ``MasterUserSecret`` and ``false`` takes it away;
``MaxAllocatedStorage`` equal to ``AllocatedStorage`` turns autoscaling off (not returned).

Outside moto: the AWS CLI 1.x sends ``rds`` commands to https://rds.amazonaws.com/ whatever
``AWS_ENDPOINT_URL`` says; the integration tests pass ``--endpoint-url`` to them.

Not patched (tests live with it): AWS takes minutes from ``creating`` to ``available`` and
gives an instance its endpoint only then; moto's instance is available with its endpoint at
once. The states never take the host from a create answer (only from a describe or a
``wait``), so both paths are exercised; ``wait`` is tested with a describe that says
``creating`` first.
"""

from moto.rds import models as rds_models
from moto.rds import responses as rds_responses

_MARK = "_awsrunbook_patched"

_PAUSING = {"MinCapacity": 0.0, "MaxCapacity": 256.0}
_NOT_PAUSING = {"MinCapacity": 0.5, "MaxCapacity": 256.0}
ENGINE_VERSIONS = {
    "postgres": [
        ("15.12", False, None),
        ("15.13", False, None),
        ("16.8", False, None),
        ("16.9", False, None),
        ("17.4", True, None),
        ("17.5", False, None),
    ],
    "aurora-postgresql": [
        ("13.9", False, _NOT_PAUSING),
        ("13.15", False, _PAUSING),
        ("15.4", False, _NOT_PAUSING),
        ("16.2", False, _NOT_PAUSING),
        ("16.6", True, _PAUSING),
        ("17.4", False, _PAUSING),
    ],
}


def _major(version):
    return version.split(".")[0]


def describe_db_engine_versions(self, engine=None, engine_version=None, default_only=False):
    found = []
    for name, versions in sorted(ENGINE_VERSIONS.items()):
        if engine and engine != name:
            continue
        for version, is_default, serverless in versions:
            if default_only and not is_default:
                continue
            if engine_version and engine_version not in (version, _major(version)):
                continue
            item = {
                "Engine": name,
                "EngineVersion": version,
                "DBParameterGroupFamily": f"{name}{_major(version)}",
                "DBEngineDescription": name,
                "DBEngineVersionDescription": f"{name} {version}",
                "Status": "available",
                "SupportedEngineModes": ["provisioned"],
            }
            if serverless:
                item["ServerlessV2FeaturesSupport"] = dict(serverless)
            found.append(item)
    return found


def _describe_db_engine_versions_response(self):
    versions = self.backend.describe_db_engine_versions(
        engine=self.params.get("Engine"),
        engine_version=self.params.get("EngineVersion"),
        default_only=self.params.get("DefaultOnly") in (True, "true"),
    )
    return rds_responses.ActionResult({"DBEngineVersions": versions})


def _wrap_instance_init(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not hasattr(self, "performance_insights_enabled"):
            self.performance_insights_enabled = bool(kwargs.get("enable_performance_insights"))

    return init


def _wrap_instance_update(original):
    def update(self, *args, **kwargs):
        original(self, *args, **kwargs)
        asked = kwargs.get("enable_performance_insights")
        wanted = asked in (True, "true")
        if asked is not None and getattr(self, "performance_insights_enabled", None) != wanted:
            self.performance_insights_enabled = wanted

    return update


def _cluster_by_arn(backend, arn):
    for cluster in backend.clusters.values():
        if cluster.db_cluster_arn == arn:
            return cluster
    raise rds_models.DBClusterNotFoundError(arn)


def _set_http_endpoint(enabled):
    def respond(self):
        arn = self.params.get("ResourceArn")
        _cluster_by_arn(self.backend, arn)._enable_http_endpoint = enabled
        return rds_responses.ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": enabled})

    return respond


def apply():
    if getattr(rds_models.RDSBackend, _MARK, False):
        return
    if not hasattr(rds_responses.RDSResponse, "describe_db_engine_versions"):
        rds_models.RDSBackend.describe_db_engine_versions = describe_db_engine_versions
        rds_responses.RDSResponse.describe_db_engine_versions = (
            _describe_db_engine_versions_response
        )

    rds_models.DBInstance.__init__ = _wrap_instance_init(rds_models.DBInstance.__init__)
    rds_models.DBInstance.update = _wrap_instance_update(rds_models.DBInstance.update)

    for action, enabled in (("enable_http_endpoint", True), ("disable_http_endpoint", False)):
        if not hasattr(rds_responses.RDSResponse, action):
            setattr(rds_responses.RDSResponse, action, _set_http_endpoint(enabled))

    setattr(rds_models.RDSBackend, _MARK, True)
