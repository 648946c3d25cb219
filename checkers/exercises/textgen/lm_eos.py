"""The checker's second local causal LM: one that emits its end token, on schedule.

For ``textgen.pretrained_end_token`` and ``textgen.pretrained_sampling``. A GPT-2 built by
hand, not trained, so that what it does is known exactly:

- one token per character of :data:`checkers.exercises.textgen.lm.CHARS`, then ``</s>``
  (the end token: ``eos_token_id`` in its config, generation config and tokenizer);
- its one transformer block adds nothing (output projections zero), token embeddings are
  zero and the final layer norm reads only the position embedding: every next-token
  distribution depends on the position alone;
- before position :data:`END_AT` the next token is drawn from :data:`LOGITS` (a fixed
  distribution over a few letters; every other character has logit :data:`OFF`, the end
  token far less); from there on the end token has logit +58 and everything else at most
  3, so every sequence ends at the same length: the prompt followed by
  ``END_AT + 1 - len(prompt)`` characters, whatever the seed.

So the number of new characters before the end token, and the distribution of every new
character under any ``temperature`` and ``top_p``, are known in closed form
(:func:`next_token_probs`). Written once into ``checkers/exercises/textgen/lm_eos_v1/``
(shipped with the package) and loaded by the submission with ``from_pretrained(folder)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from checkers.authoring import GraderSetupError
from checkers.exercises.textgen.lm import CHARS, char_tokenizer

VERSION = 1
FOLDER_NAME = f"lm_eos_v{VERSION}"
EOS = "</s>"
END_AT = 23  # outputs at positions >= END_AT predict the end token
N_POSITIONS = 64
OFF = -30.0
# The distribution of every new character before END_AT (logits; the rest are OFF).
LOGITS = {"e": 2.0, "t": 1.4, "a": 0.9, "o": 0.5, "i": 0.0, "n": -0.4, "s": -0.9, "h": -1.5}
_SCALE = 10.0  # position embedding magnitude (layer norm makes it +-sqrt(n_embd / 2))
_EOS_GAIN = 5.0


def vocab_size() -> int:
    """Characters + the end token."""
    return len(CHARS) + 1


def char_logits() -> np.ndarray:
    """The logits of the characters (ids 0 .. len(CHARS) - 1) before END_AT."""
    logits = np.full(len(CHARS), OFF)
    for char, value in LOGITS.items():
        logits[CHARS.index(char)] = value
    return logits


def next_token_probs(temperature: float, top_p: float) -> dict[str, float]:
    """P(next character) before END_AT under ``temperature`` then ``top_p`` (as generate()).

    Nucleus filtering as Hugging Face applies it: sort ascending, drop the tokens whose
    cumulative probability is <= 1 - top_p (the most likely one always stays).
    """
    logits = char_logits() / temperature
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    if top_p < 1.0:
        order = np.argsort(probs, kind="stable")
        cumulative = np.cumsum(probs[order])
        removed = order[cumulative <= 1.0 - top_p]
        removed = removed[removed != order[-1]]
        probs[removed] = 0.0
        probs /= probs.sum()
    return {CHARS[i]: float(p) for i, p in enumerate(probs) if p > 1e-9}


def build_lm(dest: Path) -> Path:
    """Write the end-token LM into ``dest`` (deterministic: no random weights remain)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = char_tokenizer(extra_special=(EOS,))
    tokenizer.eos_token = EOS
    eos_id = tokenizer.convert_tokens_to_ids(EOS)
    size = vocab_size()
    assert eos_id == size - 1 and len(tokenizer) == size
    n_embd = size + 2
    config = GPT2Config(
        vocab_size=size, n_positions=N_POSITIONS, n_embd=n_embd, n_layer=1, n_head=2,
        bos_token_id=None, eos_token_id=eos_id, pad_token_id=eos_id,
        tie_word_embeddings=False, attn_pdrop=0.0, embd_pdrop=0.0, resid_pdrop=0.0,
    )
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        block = model.transformer.h[0]
        for norm in (block.ln_1, block.ln_2):
            norm.weight.fill_(1.0)
        # position embedding: (-a, +a) on dims 0, 1 before END_AT, (+a, -a) from END_AT on
        wpe = model.transformer.wpe.weight
        wpe[:END_AT, 0], wpe[:END_AT, 1] = -_SCALE, _SCALE
        wpe[END_AT:, 0], wpe[END_AT:, 1] = _SCALE, -_SCALE
        final = model.transformer.ln_f
        final.weight[0], final.weight[1] = 1.0, 1.0
        final.bias[2:2 + len(CHARS)] = torch.tensor(char_logits(), dtype=torch.float32)
        head = model.lm_head.weight  # (vocab, n_embd)
        for token in range(len(CHARS)):
            head[token, 2 + token] = 1.0
        head[eos_id, 0], head[eos_id, 1] = _EOS_GAIN, -_EOS_GAIN
    for key in ("bos_token_id",):
        setattr(model.generation_config, key, None)
    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = eos_id
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    (dest / "seqgrade.json").write_text(json.dumps({"version": VERSION, "end_at": END_AT})
                                        + "\n")
    return dest


def _is_built(folder: Path) -> bool:
    try:
        return json.loads((folder / "seqgrade.json").read_text())["version"] == VERSION
    except (OSError, ValueError, KeyError):
        return False


def lm_eos_path() -> Path:
    """The folder holding the end-token LM (shipped; built on first use if not)."""
    folder = Path(__file__).with_name(FOLDER_NAME)
    if not _is_built(folder):
        try:
            build_lm(folder)
        except OSError as error:
            raise GraderSetupError(
                f"the checker's end-token language model is missing and cannot be built in "
                f"{folder} ({error}); reinstall seqgrade") from None
    try:
        folder.chmod(0o755)
        for item in folder.iterdir():
            item.chmod(0o644)
    except OSError:
        pass
    return folder
