"""Our batcher, exactly (src/data/batcher.ts, src/util/rng.ts, src/data/batch.ts), so that a run trained with
train_ddp.py visits the same batches as `seq2seq train` and `train --resume` continues from its position:

  plan of epoch e = Rng(mix(seed, e)): shuffle the kept pairs; pools of `poolBatches` batches' worth sorted by
  (source length, target length); batches filled while B · max(S, T + 1) ≤ maxTokens and B ≤ maxSentences;
  the batches shuffled. The state {epoch, index} with a fingerprint of the data and settings is ours.
"""

import math

import torch

from .model import BOS, EOS

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128** seeded by splitmix32 (src/util/rng.ts), the same numbers from the same seed."""

    def __init__(self, seed=1):
        x = seed & M32
        words = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = imul(x ^ (x >> 16), 0x85EBCA6B)
            z = imul(z ^ (z >> 13), 0xC2B2AE35)
            words.append((z ^ (z >> 16)) & M32)
        self.s = words if any(words) else [1, 0, 0, 0]

    def next_u32(self):
        s0, s1, s2, s3 = self.s
        result = imul(rotl(imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def int(self, n):
        return math.floor((self.next_u32() / 4294967296) * n)

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.int(i + 1)
            a[i], a[j] = a[j], a[i]

    def state(self):
        """Our checkpoint form: four words and the spare normal (none: JSON null)."""
        return [*self.s, None]


def mix_seed(seed, epoch):
    h = imul((seed ^ 0x9E3779B9) & M32, 0x85EBCA6B)
    h = imul(h ^ ((epoch + 0x632BE59B) & M32), 0xC2B2AE35)
    return (h ^ (h >> 16)) & M32


def fingerprint(ids, src_len, tgt_len, settings):
    """FNV-1a over the kept pairs' ids and lengths and the batch settings (16-bit halves), as ours."""
    h = 0x811C9DC5
    for v in [x for i, s, t in zip(ids, src_len, tgt_len) for x in (i, s, t)] + settings:
        h = imul(h ^ (v & 0xFFFF), 0x01000193)
        h = imul(h ^ ((v >> 16) & 0xFFFF), 0x01000193)
    return f'{h:08x}'


class Batcher:
    """Token-budget batches of an IdSplit with our plan and state (maxSentences None = no limit)."""

    def __init__(
        self, split, max_tokens, max_sentences=None, max_src_len=None, max_tgt_len=None, seed=1, pool_batches=100
    ):
        self.split = split
        self.max_tokens = max_tokens
        self.max_sentences = max_sentences
        self.seed = seed & M32
        inf = float('inf')
        ms, mt = max_src_len or inf, max_tgt_len or inf
        self.kept = [i for i in range(len(split)) if split.src_len[i] <= ms and split.tgt_len[i] <= mt]
        self.filtered = len(split) - len(self.kept)
        if not self.kept:
            raise ValueError(f'no training pairs left ({self.filtered} longer than the length limits)')
        self.src_len = [split.src_len[i] for i in self.kept]
        self.tgt_len = [split.tgt_len[i] for i in self.kept]
        mean = sum(max(s, t + 1) for s, t in zip(self.src_len, self.tgt_len)) / len(self.kept)
        per_batch = max(1, min(max_sentences if max_sentences else inf, math.floor(max_tokens / mean)))
        self.pool = max(1, per_batch * pool_batches)
        settings = [max_tokens, max_sentences if max_sentences else M32, self.pool, 1]
        self.fingerprint = fingerprint(self.kept, self.src_len, self.tgt_len, settings)
        self.epoch, self.index = 0, 0
        self._plan, self._plan_epoch = None, -1

    def plan_for(self, epoch):
        """The batches of an epoch as lists of indices into the kept pairs."""
        rng = Rng(mix_seed(self.seed, epoch))
        order = list(range(len(self.kept)))
        rng.shuffle(order)
        sl, tl = self.src_len, self.tgt_len
        batches = []
        inf = float('inf')
        max_sent = self.max_sentences or inf
        for start in range(0, len(order), self.pool):
            pool = sorted(order[start : start + self.pool], key=lambda a: (sl[a], tl[a]))
            cur, S, T = [], 0, 0
            for i in pool:
                s, t = max(1, sl[i]), tl[i] + 1
                S2, T2 = max(S, s), max(T, t)
                if cur and ((len(cur) + 1) * max(S2, T2) > self.max_tokens or len(cur) + 1 > max_sent):
                    batches.append(cur)
                    cur, S, T = [], s, t
                else:
                    S, T = S2, T2
                cur.append(i)
            if cur:
                batches.append(cur)
        rng.shuffle(batches)
        return batches

    def plan(self):
        if self._plan_epoch != self.epoch:
            self._plan, self._plan_epoch = self.plan_for(self.epoch), self.epoch
        return self._plan

    @property
    def batches_in_epoch(self):
        return len(self.plan())

    def next_in_epoch(self):
        """Pair ids (corpus indices) of the next batch; None at the end of an epoch (the next call starts the next)."""
        plan = self.plan()
        if self.index >= len(plan):
            self.epoch, self.index = self.epoch + 1, 0
            return None
        b = plan[self.index]
        self.index += 1
        return [self.kept[i] for i in b]

    def state(self):
        epoch, index = self.epoch, self.index
        if index >= len(self.plan()):
            epoch, index = epoch + 1, 0
        return {
            'version': 1,
            'seed': self.seed,
            'epoch': epoch,
            'index': index,
            'pairs': len(self.kept),
            'fingerprint': self.fingerprint,
        }

    def restore(self, st):
        if (
            st.get('pairs') != len(self.kept)
            or st.get('fingerprint') != self.fingerprint
            or st.get('seed') != self.seed
        ):
            raise ValueError(
                f'batcher state does not match the data (saved for {st.get("pairs")} pairs, seed {st.get("seed")}; '
                f'now {len(self.kept)} pairs, seed {self.seed}, or different lengths/batch settings)'
            )
        self.epoch, self.index = st['epoch'], st['index']


def eval_batches(split, max_tokens=4000):
    """Validation batches as ours (evalBatches): sorted by (source, target length, index), by a token budget."""
    order = sorted(range(len(split)), key=lambda i: (split.src_len[i], split.tgt_len[i], i))
    out, cur, S, T = [], [], 0, 0
    for i in order:
        s, t = max(1, split.src_len[i]), split.tgt_len[i] + 1
        S2, T2 = max(S, s), max(T, t)
        if cur and (len(cur) + 1) * max(S2, T2) > max_tokens:
            out.append(cur)
            cur, S, T = [], s, t
        else:
            S, T = S2, T2
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def make_batch(pairs, device='cpu'):
    """Padded time-major tensors (src [S, B], lengths [B], tgt_in = <s> y, tgt_out = y </s> [T, B]) of
    (source ids, target ids) pairs; an empty source is a lone </s> (as ours)."""
    B = len(pairs)
    S = max([1] + [len(s) for s, _ in pairs])
    T = max(len(t) + 1 for _, t in pairs)
    src = torch.zeros(S, B, dtype=torch.long)
    tgt_in = torch.zeros(T, B, dtype=torch.long)
    tgt_out = torch.zeros(T, B, dtype=torch.long)
    lengths = []
    for b, (s, y) in enumerate(pairs):
        if s:
            src[: len(s), b] = torch.tensor(s, dtype=torch.long)
        else:
            src[0, b] = EOS
        lengths.append(max(1, len(s)))
        tgt_in[0, b] = BOS
        if y:
            tgt_in[1 : len(y) + 1, b] = torch.tensor(y, dtype=torch.long)
            tgt_out[: len(y), b] = torch.tensor(y, dtype=torch.long)
        tgt_out[len(y), b] = EOS
    return src.to(device), torch.tensor(lengths, dtype=torch.long), tgt_in.to(device), tgt_out.to(device)
