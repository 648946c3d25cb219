"""The checker's own local causal LM for ``textgen.pretrained``.

A tiny GPT-2 with a character-level tokenizer (one token per character, so "exactly
``max_new_tokens`` new tokens" is "exactly that many new characters") and **no end
token** (so generation never stops early). Its weights are a fixed random
initialisation: they make near-uniform next-character distributions, so two seeds give
different samples with overwhelming probability. It is written once, deterministically,
into ``lm_v2/`` beside this module (shipped with the package) and loaded
with plain ``from_pretrained(folder)`` by the submission.

Independent of ``solutions/`` on purpose: a bug in the reference's tiny GPT-2 must not
hide a bug in the check.
"""

from __future__ import annotations

import json
from pathlib import Path

from checkers.authoring import GraderSetupError

# Characters of the checker LM (the tiny Shakespeare training alphabet).
CHARS = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UNK = "[UNK]"
VERSION = 2
N_POSITIONS = 512
FOLDER_NAME = f"lm_v{VERSION}"


def char_tokenizer(chars: str = CHARS, *, unk: str | None = None,
                   extra_special: tuple[str, ...] = ()):
    """A ``PreTrainedTokenizerFast`` with one token per character.

    With ``unk`` the unknown token takes id 0 (then the model could sample it, and
    decoding with ``skip_special_tokens`` would drop it: the checker LM has none, so it
    only encodes its own characters). ``extra_special`` adds special tokens (e.g. an end
    token) after the characters.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {unk: 0} if unk else {}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    for token in extra_special:
        vocab.setdefault(token, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token=unk or UNK))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    core.decoder = decoders.Fuse()
    special = {"unk_token": unk} if unk else {}
    return PreTrainedTokenizerFast(
        tokenizer_object=core, additional_special_tokens=list(extra_special), **special
    )


def build_lm(dest: Path, seed: int = 1234) -> Path:
    """Write the checker LM (random tiny GPT-2, char tokenizer, no end token) into ``dest``."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tokenizer = char_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=N_POSITIONS, n_embd=32, n_layer=1, n_head=2,
        bos_token_id=None, eos_token_id=None, pad_token_id=None,
    )
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config)
    model.generation_config.eos_token_id = None
    model.generation_config.bos_token_id = None
    model.generation_config.pad_token_id = None
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    (dest / "seqgrade.json").write_text(json.dumps({"version": VERSION, "seed": seed}) + "\n")
    return dest


def _is_built(folder: Path) -> bool:
    marker = folder / "seqgrade.json"
    try:
        return json.loads(marker.read_text())["version"] == VERSION
    except (OSError, ValueError, KeyError):
        return False


def _readable_by_all(folder: Path) -> None:
    """The sandboxed worker may run as an unprivileged user: let it read the LM."""
    try:
        folder.chmod(0o755)
        for item in folder.iterdir():
            item.chmod(0o644)
    except OSError:  # not ours to change (a shared install): its modes are as shipped
        pass


def lm_path() -> Path:
    """The folder holding the checker LM (shipped in the package; built on first use if not).

    The exercise declares it as data (``Exercise.data_files``), so the sandbox binds it
    read-only into the worker's root; it is made readable by any user id, since the worker
    runs under an unprivileged one.
    """
    folder = Path(__file__).with_name(FOLDER_NAME)
    if not _is_built(folder):
        try:
            build_lm(folder)
        except OSError as error:
            raise GraderSetupError(
                f"the checker's language model is missing and cannot be built in {folder} "
                f"({error}); reinstall seqgrade"
            ) from None
    _readable_by_all(folder)
    return folder
