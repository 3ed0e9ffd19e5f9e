"""Flower ClientApp: local training on the client's partition of digits (attackers attack)."""

from __future__ import annotations

import torch
from flwr.app import ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from flower_digits.task import Settings, client_model, federation
from sabfl.flower import arrays_to_flat, flat_to_arrays
from sabfl.ml.models import ParamLayout


def make_app(**overrides: object) -> ClientApp:
    """A ClientApp whose settings are the run config's with ``overrides`` on top."""
    app = ClientApp()

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        torch.set_num_threads(1)
        settings = Settings.from_run_config(context.run_config, **overrides)
        layout = ParamLayout.of(federation(settings).model)
        partition_id = int(context.node_config["partition-id"])
        global_params = arrays_to_flat(msg.content["arrays"], layout)
        params, samples = client_model(
            settings, partition_id, global_params, int(msg.content["config"]["server-round"])
        )
        content = RecordDict(
            {
                "arrays": flat_to_arrays(params, layout),
                "metrics": MetricRecord({"num-examples": samples}),
                "client": ConfigRecord({"partition-id": partition_id}),
            }
        )
        return Message(content=content, reply_to=msg)

    return app


app = make_app()
