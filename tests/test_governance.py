"""Governance, fees and the validators' hot keys on a localnet of its own (it changes params, so it does
not share the session localnet):

- a gov proposal carrying x/fedlearn's MsgUpdateParams is submitted with part of its deposit, deposited
  in full, voted yes by the four validator operators, passes after the voting period, and the
  `Params` query then shows the new value;
- the minimum gas price is in force: a zero-fee tx is refused in CheckTx;
- each operator has authorised its hot account (x/authz, in genesis) to send exactly the sidecar's
  messages, and offers to pay its fees (x/feegrant)."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from cosmpy.aerial.tx import SigningCfg, Transaction, TxFee
from cosmpy.crypto.address import Address
from cosmpy.protos.cosmos.auth.v1beta1 import auth_pb2
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmpy.protos.cosmos.authz.v1beta1 import authz_pb2
from cosmpy.protos.cosmos.authz.v1beta1 import query_pb2 as authz_query
from cosmpy.protos.cosmos.authz.v1beta1 import query_pb2_grpc as authz_grpc
from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmpy.protos.cosmos.base.v1beta1.coin_pb2 import Coin
from cosmpy.protos.cosmos.feegrant.v1beta1 import query_pb2 as feegrant_query
from cosmpy.protos.cosmos.feegrant.v1beta1 import query_pb2_grpc as feegrant_grpc
from cosmpy.protos.cosmos.gov.v1 import gov_pb2
from cosmpy.protos.cosmos.gov.v1 import query_pb2 as gov_query
from cosmpy.protos.cosmos.gov.v1 import query_pb2_grpc as gov_grpc
from cosmpy.protos.cosmos.gov.v1 import tx_pb2 as gov_tx
from cosmpy.protos.cosmos.tx.v1beta1 import service_pb2 as tx_service
from google.protobuf.any_pb2 import Any

from sabfl.chain import ChainClient, ChainConfig, KeysFile, TxError, load_keys
from sabfl.fedlearn.v1 import query_pb2, tx_pb2

from .conftest import client_for, running_localnet

# Apart from the session localnet (1000) and `make localnet` (0).
PORT_OFFSET = os.environ.get("SABFL_TEST_GOV_PORT_OFFSET", "3000")
# localnet.py's gov genesis: 15 s voting period, 1000stake minimum deposit.
VOTING_PERIOD_S = 15
MIN_DEPOSIT = 1000
HOT_KEY_MSG_TYPES = {
    "/sabfl.fedlearn.v1.MsgCommitLosses",
    "/sabfl.fedlearn.v1.MsgRevealLosses",
    "/sabfl.fedlearn.v1.MsgSubmitAggregate",
    "/sabfl.fedlearn.v1.MsgAttestAggregate",
    "/sabfl.fedlearn.v1.MsgOptIn",
}
HOT_BALANCE = 10**11
INSUFFICIENT_FEE_CODE = 13  # sdkerrors.ErrInsufficientFee


@pytest.fixture(scope="module")
def gov_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeysFile]:
    directory = tmp_path_factory.mktemp("localnet-gov") / "net"
    with running_localnet(directory, PORT_OFFSET, participants=1):
        yield load_keys(directory / "keys.json")


@pytest.fixture(scope="module")
def creator(gov_keys: KeysFile) -> Iterator[ChainClient]:
    with client_for(gov_keys, gov_keys.creator) as client:
        yield client


def packed(msg: object) -> Any:
    any_msg = Any()
    any_msg.Pack(msg, type_url_prefix="/")
    return any_msg


def stake(amount: int) -> list[Coin]:
    return [Coin(denom="stake", amount=str(amount))]


def test_gov_proposal_changes_fedlearn_params(gov_keys: KeysFile, creator: ChainClient) -> None:
    gov = gov_grpc.QueryStub(creator.channel)
    before = creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params
    changed = type(before)()
    changed.CopyFrom(before)
    changed.max_rounds = before.max_rounds - 1
    module = creator.auth.ModuleAccountByName(auth_query.QueryModuleAccountByNameRequest(name="gov"))
    gov_account = auth_pb2.ModuleAccount()
    assert module.account.Unpack(gov_account)
    authority = gov_account.base_account.address

    # Nobody but the gov module account may change the params.
    with pytest.raises(TxError, match="authority"):
        creator.simulate(tx_pb2.MsgUpdateParams(authority=creator.address, params=changed))

    submitted = creator.submit(
        gov_tx.MsgSubmitProposal(
            messages=[packed(tx_pb2.MsgUpdateParams(authority=authority, params=changed))],
            initial_deposit=stake(MIN_DEPOSIT // 2),
            proposer=creator.address,
            title="one round fewer",
            summary=f"max_rounds {before.max_rounds} -> {changed.max_rounds}",
        )
    )
    proposal_id = ChainClient.msg_response(submitted, 0, gov_tx.MsgSubmitProposalResponse()).proposal_id

    def proposal() -> gov_pb2.Proposal:
        return gov.Proposal(gov_query.QueryProposalRequest(proposal_id=proposal_id)).proposal

    assert proposal().status == gov_pb2.PROPOSAL_STATUS_DEPOSIT_PERIOD
    creator.submit(
        gov_tx.MsgDeposit(proposal_id=proposal_id, depositor=creator.address, amount=stake(MIN_DEPOSIT // 2))
    )
    assert proposal().status == gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD

    voters = [client_for(gov_keys, node.validator) for node in gov_keys.nodes]
    try:
        hashes = [
            voter.broadcast(
                gov_tx.MsgVote(proposal_id=proposal_id, voter=voter.address, option=gov_pb2.VOTE_OPTION_YES)
            )
            for voter in voters
        ]
        for voter, txhash in zip(voters, hashes, strict=True):
            voter.wait(txhash)
    finally:
        for voter in voters:
            voter.close()

    deadline = time.monotonic() + VOTING_PERIOD_S + 45
    while proposal().status == gov_pb2.PROPOSAL_STATUS_VOTING_PERIOD:
        assert time.monotonic() < deadline, "the voting period did not end"
        time.sleep(1)
    final = proposal()
    assert final.status == gov_pb2.PROPOSAL_STATUS_PASSED, final.failed_reason
    assert int(final.final_tally_result.no_count) == 0
    assert int(final.final_tally_result.yes_count) > 0
    after = creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params
    assert after.max_rounds == changed.max_rounds
    assert after == changed


def test_zero_fee_tx_refused(gov_keys: KeysFile, creator: ChainClient) -> None:
    assert Decimal(gov_keys.gas_price) > 0
    config = gov_keys.chain_config(0)
    free = ChainConfig(
        chain_id=config.chain_id, grpc_address=config.grpc_address, address_prefix=config.address_prefix
    )
    send = bank_tx.MsgSend(from_address=creator.address, to_address=creator.address, amount=stake(1))
    with ChainClient(free, gov_keys.creator.wallet(gov_keys.address_prefix)) as client:
        with pytest.raises(TxError, match="insufficient fee") as refused:
            client.broadcast(send)
    assert refused.value.code == INSUFFICIENT_FEE_CODE
    creator.submit(send)  # the same tx at the gas price goes through


def test_hot_keys_are_granted_the_sidecar_messages_only(gov_keys: KeysFile, creator: ChainClient) -> None:
    authz = authz_grpc.QueryStub(creator.channel)
    feegrant = feegrant_grpc.QueryStub(creator.channel)
    for node in gov_keys.nodes:
        assert node.hot is not None
        operator, hot = node.validator.address, node.hot.address
        grants = authz.Grants(authz_query.QueryGrantsRequest(granter=operator, grantee=hot)).grants
        granted = set()
        for grant in grants:
            generic = authz_pb2.GenericAuthorization()
            assert grant.authorization.Unpack(generic)
            assert grant.expiration.seconds > time.time() + 300 * 86400
            granted.add(generic.msg)
        assert granted == HOT_KEY_MSG_TYPES
        assert creator.balance(hot) == HOT_BALANCE
        allowance = feegrant.Allowance(feegrant_query.QueryAllowanceRequest(granter=operator, grantee=hot))
        assert allowance.allowance.grantee == hot

    node = gov_keys.nodes[0]
    operator = node.validator.address
    assert node.hot is not None
    with client_for(gov_keys, node.hot) as hot:
        # A granted message runs as the operator: it reaches x/fedlearn, which refuses it for its own
        # reason (there is no task), not x/authz.
        attest = tx_pb2.MsgAttestAggregate(
            validator=operator, task_id=999_999, round=1, model_sha256=hashlib.sha256(b"x").digest()
        )
        with pytest.raises(TxError) as refused:
            hot.simulate(authz_tx.MsgExec(grantee=hot.address, msgs=[packed(attest)]))
        assert "authorization" not in refused.value.log, refused.value.log
        assert "task" in refused.value.log, refused.value.log
        # Anything else is not granted: the hot key cannot move the operator's funds.
        send = bank_tx.MsgSend(from_address=operator, to_address=hot.address, amount=stake(1))
        with pytest.raises(TxError, match="authorization not found"):
            hot.simulate(authz_tx.MsgExec(grantee=hot.address, msgs=[packed(send)]))

        # The operator pays the hot account's fees when the tx names it as fee granter.
        operator_before, hot_before = creator.balance(operator), creator.balance(hot.address)
        self_send = bank_tx.MsgSend(from_address=hot.address, to_address=hot.address, amount=stake(1))
        gas_limit = 200_000
        fee = hot.config.fee(gas_limit)
        assert fee > 0
        hot.wait(broadcast_with_fee_granter(hot, self_send, gas_limit, fee, operator))
        assert creator.balance(hot.address) == hot_before
        assert creator.balance(operator) == operator_before - fee


def broadcast_with_fee_granter(
    client: ChainClient, msg: object, gas_limit: int, fee: int, granter: str
) -> str:
    """Sign msg as client's account with the fee paid by granter's x/feegrant allowance."""
    response = client.auth.Account(auth_query.QueryAccountRequest(address=client.address))
    account = auth_pb2.BaseAccount()
    assert response.account.Unpack(account)
    tx = Transaction()
    tx.add_message(msg)
    tx.seal(
        SigningCfg.direct(client.wallet.public_key(), account.sequence),
        fee=TxFee(amount=f"{fee}stake", gas_limit=gas_limit, granter=Address(granter)),
    )
    tx.sign(client.wallet.signer(), client.config.chain_id, account.account_number)
    tx.complete()
    result = client.tx.BroadcastTx(
        tx_service.BroadcastTxRequest(
            tx_bytes=tx.tx.SerializeToString(), mode=tx_service.BroadcastMode.BROADCAST_MODE_SYNC
        )
    ).tx_response
    assert result.code == 0, result.raw_log
    return str(result.txhash)
