"""Validation during training: PSNR of the network and of the blurry input on the held-out set."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


@torch.no_grad()
def validate(model: nn.Module, spec: Any, val_set: Any, device: torch.device) -> dict[str, float]:
    """Mean PSNR (quantised to 8 bits) of the network and of the blurry input on ``val_set``."""
    from ..bench.metrics import psnr, quantize
    from ..models.restorer import Restorer

    was_training = model.training
    restorer = Restorer(model, spec=spec, device=device)
    net, blurry = [], []
    for i in range(len(val_set)):
        pair = val_set[i]
        sharp = pair.sharp.unsqueeze(0)
        out = restorer(pair.blur.unsqueeze(0)).cpu()
        net.append(float(psnr(quantize(out), sharp)[0]))
        blurry.append(float(psnr(quantize(pair.blur.unsqueeze(0)), sharp)[0]))
    model.train(was_training)
    return {"psnr": float(np.mean(net)), "blurry_psnr": float(np.mean(blurry))}
