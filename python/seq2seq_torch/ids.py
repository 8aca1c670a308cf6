"""Reader of the id shards `seq2seq corpus encode` writes (src/data/id-shards.ts):

  DIR/index.json                {"format": "seq2seq-ids", "version": 1, "tokenizers", "vocab", "splits": {name: {...}}}
  DIR/<split>-NNNNN.safetensors src.offsets, tgt.offsets (I64 [n + 1]); src.ids, tgt.ids (I32)

A split is held as two flat id tensors and their offsets; pair i (counting across the shards) is pair i of
the corpus as our readers see it, so i is the pair id our batcher uses.
"""

import json
import os

import torch

from .safetensors import read_safetensors

FORMAT = 'seq2seq-ids'


class IdSplit:
    """The pairs of one split: ids(i) → (source ids, target ids) as lists; lengths as lists."""

    def __init__(self, src_ids, src_off, tgt_ids, tgt_off):
        self.src_ids, self.src_off, self.tgt_ids, self.tgt_off = src_ids, src_off, tgt_ids, tgt_off
        self.src_len = (src_off[1:] - src_off[:-1]).tolist()
        self.tgt_len = (tgt_off[1:] - tgt_off[:-1]).tolist()
        self._so, self._to = src_off.tolist(), tgt_off.tolist()

    def __len__(self):
        return len(self.src_len)

    def pair(self, i):
        return (
            self.src_ids[self._so[i] : self._so[i + 1]].tolist(),
            self.tgt_ids[self._to[i] : self._to[i + 1]].tolist(),
        )


def read_index(directory):
    path = os.path.join(directory, 'index.json')
    if not os.path.exists(path):
        raise FileNotFoundError(f'{path}: file not found (write id shards with `seq2seq corpus encode`)')
    with open(path, encoding='utf-8') as f:
        index = json.load(f)
    if index.get('format') != FORMAT:
        raise ValueError(f'{path}: not an id-shard index (format {index.get("format")!r})')
    if index.get('version') != 1:
        raise ValueError(f'{path}: unsupported version {index.get("version")!r}')
    return index


def load_split(directory, name, index=None):
    """All shards of split `name` as one IdSplit (offsets rebased across shards); every shard checked."""
    index = index or read_index(directory)
    if name not in index['splits']:
        raise ValueError(
            f'{os.path.join(directory, "index.json")}: no "{name}" split (encode it with --valid …)'
            if name == 'valid'
            else f'{directory}: no "{name}" split'
        )
    parts = {'src.ids': [], 'src.offsets': [], 'tgt.ids': [], 'tgt.offsets': []}
    base = {'src': 0, 'tgt': 0}
    for shard in index['splits'][name]['shards']:
        path = os.path.join(directory, shard['file'])
        tensors, meta = read_safetensors(path)
        if meta.get('format') != FORMAT:
            raise ValueError(f'{path}: not an id shard')
        for side in ('src', 'tgt'):
            off, ids = tensors[f'{side}.offsets'], tensors[f'{side}.ids']
            if off.numel() != shard['pairs'] + 1 or int(off[-1]) != ids.numel():
                raise ValueError(f'{path}: {side} offsets do not match its ids or the index ({shard["pairs"]} pairs)')
            parts[f'{side}.offsets'].append(off[:-1] + base[side])
            parts[f'{side}.ids'].append(ids)
            base[side] += ids.numel()
    cat = {
        k: torch.cat(v) if v else torch.zeros(0, dtype=torch.int32 if k.endswith('ids') else torch.int64)
        for k, v in parts.items()
    }
    end = {s: torch.tensor([base[s]], dtype=torch.int64) for s in ('src', 'tgt')}
    return IdSplit(
        cat['src.ids'],
        torch.cat([cat['src.offsets'], end['src']]),
        cat['tgt.ids'],
        torch.cat([cat['tgt.offsets'], end['tgt']]),
    )
