"""A software upgrade by governance, on a localnet of its own started with the previous release's binary
(`make previous-build`: x/fedlearn state v1, no handler for the "v2" plan):

- a gov proposal carrying x/upgrade's MsgSoftwareUpgrade for plan "v2" passes;
- at the plan's height every node halts (no handler) and writes the plan to data/upgrade-info.json;
- the nodes restart on this binary, whose "v2" handler runs x/fedlearn's 1 → 2 migration;
- the chain keeps producing blocks past the plan height with one app hash on all nodes, the applied plan
  is queryable, x/fedlearn's version is 2 and its params carry the v2 fields at their defaults.

The same binary cannot play both parts: x/upgrade stops a binary that has the plan's handler before the
plan's height ("BINARY UPDATED BEFORE TRIGGER")."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cosmpy.protos.cosmos.auth.v1beta1 import auth_pb2
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as cmt_query
from cosmpy.protos.cosmos.gov.v1 import gov_pb2
from cosmpy.protos.cosmos.gov.v1 import query_pb2 as gov_query
from cosmpy.protos.cosmos.gov.v1 import query_pb2_grpc as gov_grpc
from cosmpy.protos.cosmos.gov.v1 import tx_pb2 as gov_tx
from cosmpy.protos.cosmos.upgrade.v1beta1 import query_pb2 as upgrade_query
from cosmpy.protos.cosmos.upgrade.v1beta1 import query_pb2_grpc as upgrade_grpc
from cosmpy.protos.cosmos.upgrade.v1beta1 import tx_pb2 as upgrade_tx
from cosmpy.protos.cosmos.upgrade.v1beta1 import upgrade_pb2

from sabfl.chain import ChainClient, KeysFile, load_keys
from sabfl.fedlearn.v1 import query_pb2

from .conftest import ROOT, client_for, localnet
from .test_governance import MIN_DEPOSIT, VOTING_PERIOD_S, packed, stake

PORT_OFFSET = os.environ.get("SABFL_TEST_UPGRADE_PORT_OFFSET", "4000")
PREVIOUS_SABFLD = ROOT / "build" / "bin" / "sabfld-previous"
SABFLD = ROOT / "build" / "bin" / "sabfld"
PLAN = "v2"
# Blocks between the proposal and the plan: the voting period and the votes must fit in them.
PLAN_MARGIN_S = VOTING_PERIOD_S + 12


def run_localnet(command: str, directory: Path, binary: Path, *extra: str) -> None:
    previous = os.environ.get("SABFLD")
    os.environ["SABFLD"] = str(binary)  # localnet.py reads it
    try:
        result = localnet(command, directory, *extra)
    finally:
        if previous is None:
            os.environ.pop("SABFLD")
        else:
            os.environ["SABFLD"] = previous
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def upgrade_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    assert PREVIOUS_SABFLD.exists(), "run `make previous-build`"
    directory = tmp_path_factory.mktemp("localnet-upgrade") / "net"
    sizes = ("--validators", "4", "--participants", "1", "--port-offset", PORT_OFFSET)
    run_localnet("init", directory, PREVIOUS_SABFLD, *sizes)
    try:
        run_localnet("start", directory, PREVIOUS_SABFLD)
        yield directory
    finally:
        localnet("stop", directory)
        if os.environ.get("KEEP_LOCALNET") is None:
            localnet("reset", directory)


def latest_height(client: ChainClient) -> int:
    return int(client.cometbft.GetLatestBlock(cmt_query.GetLatestBlockRequest()).block.header.height)


def block_rate(client: ChainClient) -> float:
    """Blocks per second over the last few seconds."""
    first, start = latest_height(client), time.monotonic()
    time.sleep(3)
    return (latest_height(client) - first) / (time.monotonic() - start)


def test_software_upgrade_by_proposal_migrates_and_keeps_producing_blocks(upgrade_net: Path) -> None:
    keys: KeysFile = load_keys(upgrade_net / "keys.json")
    with client_for(keys, keys.creator) as creator:
        module = creator.auth.ModuleAccountByName(auth_query.QueryModuleAccountByNameRequest(name="gov"))
        gov_account = auth_pb2.ModuleAccount()
        assert module.account.Unpack(gov_account)
        upgrade = upgrade_grpc.QueryStub(creator.channel)
        versions = upgrade.ModuleVersions(upgrade_query.QueryModuleVersionsRequest(module_name="fedlearn"))
        # The previous release declared no x/fedlearn version: x/upgrade recorded 0 (the handler reads 1).
        assert [v.version for v in versions.module_versions] == [0]

        plan_height = latest_height(creator) + int(PLAN_MARGIN_S * block_rate(creator)) + 5
        plan = upgrade_pb2.Plan(name=PLAN, height=plan_height, info="x/fedlearn 1 -> 2")
        software_upgrade = upgrade_tx.MsgSoftwareUpgrade(
            authority=gov_account.base_account.address, plan=plan
        )
        submitted = creator.submit(
            gov_tx.MsgSubmitProposal(
                messages=[packed(software_upgrade)],
                initial_deposit=stake(MIN_DEPOSIT),
                proposer=creator.address,
                title="upgrade v2",
                summary=f"software upgrade {PLAN} at height {plan_height}",
            )
        )
        proposal_id = ChainClient.msg_response(submitted, 0, gov_tx.MsgSubmitProposalResponse()).proposal_id
        voters = [client_for(keys, node.validator) for node in keys.nodes]
        try:
            yes = gov_pb2.VOTE_OPTION_YES
            sent = [
                (v, v.broadcast(gov_tx.MsgVote(proposal_id=proposal_id, voter=v.address, option=yes)))
                for v in voters
            ]
            for voter, txhash in sent:
                voter.wait(txhash)
        finally:
            for voter in voters:
                voter.close()
        gov = gov_grpc.QueryStub(creator.channel)
        deadline = time.monotonic() + VOTING_PERIOD_S + 30
        request = gov_query.QueryProposalRequest(proposal_id=proposal_id)
        while (proposal := gov.Proposal(request).proposal).status == gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD:
            assert time.monotonic() < deadline, "the voting period did not end"
            time.sleep(1)
        assert proposal.status == gov_pb2.PROPOSAL_STATUS_PASSED, proposal.failed_reason
        assert upgrade.CurrentPlan(upgrade_query.QueryCurrentPlanRequest()).plan.height == plan_height
        assert latest_height(creator) < plan_height, "the plan passed before its height"

    # The previous binary has no handler for the plan: each node halts there and records it.
    infos = [upgrade_net / f"node{i}" / "data" / "upgrade-info.json" for i in range(len(keys.nodes))]
    deadline = time.monotonic() + PLAN_MARGIN_S + 30
    while not all(p.exists() for p in infos):
        assert time.monotonic() < deadline, "the nodes did not halt at the plan height"
        time.sleep(1)
    for path in infos:
        info = json.loads(path.read_text())
        assert (info["name"], info["height"], info["info"]) == (PLAN, plan_height, plan.info)
    localnet("stop", upgrade_net)

    # This binary has the handler: it applies the plan and the chain goes on.
    run_localnet("start", upgrade_net, SABFLD)
    with client_for(keys, keys.creator) as creator:
        deadline = time.monotonic() + 60
        while latest_height(creator) < plan_height + 3:
            assert time.monotonic() < deadline, "no blocks after the upgrade"
            time.sleep(1)
        upgrade = upgrade_grpc.QueryStub(creator.channel)
        assert upgrade.AppliedPlan(upgrade_query.QueryAppliedPlanRequest(name=PLAN)).height == plan_height
        assert not upgrade.CurrentPlan(upgrade_query.QueryCurrentPlanRequest()).HasField("plan")
        versions = upgrade.ModuleVersions(upgrade_query.QueryModuleVersionsRequest(module_name="fedlearn"))
        assert [v.version for v in versions.module_versions] == [2]
        params = creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params
        assert params.opt_in_grace_blocks == 3
        assert (params.task_deposit.denom, params.task_deposit.amount) == ("stake", "10000")

    status = localnet("status", upgrade_net)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "equal on 4 nodes" in status.stdout, status.stdout
    heights = [int(m.group(1)) for m in re.finditer(r"^node\d+\s+(\d+)", status.stdout, re.MULTILINE)]
    assert len(heights) == 4 and min(heights) > plan_height
