"""The PyTorch twin of seq2seq's model (src/model/, docs/model.md), built from a run's config.json "model"
section with torch.nn.GRU/LSTM/RNN and plain modules. Parameter names are the checkpoint's
(`encoder.rnn.weight_ih_l0`, `decoder.attention.key_layer.weight`, ...), so model.safetensors loads by name.

Batches are time-major, as ours: src [S, B], tgt_in / tgt_out [T, B], padding id 0.
  encoder   M = BiRNN(drop(emb(src))) over the real tokens only (packed);  final = [h_fwd_last; h_bwd_first]
            of the top layer; memory dropout q: attention reads M ⊙ mask_q, the bridge the undropped final
  bridge    h0 = tanh(W_b final + b_b), split into the L decoder layers' states; LSTM c0 = 0
  step t    e_t = drop(emb(y_{t-1}));  s = top decoder state
            Bahdanau  c_t = attend(s_{t-1}),  x_t = [e_t; c_t (; o_{t-1})]
            none      c_t = C = h0^top,        x_t = [e_t; C (; o_{t-1})]
            Luong     x_t = [e_t (; o_{t-1})], c_t = attend(s_t) after the RNN
            o_t = tanh(W_p [s_t; c_t; e_t] + b_p)   (o_t = s_t without pre-output)
  output    logits = W_o drop(o) + b_o  (W_o = the target embedding when tied)
  loss      Σ over non-pad targets of −Σ_j q_j log p_j,  q = (1 − ε) onehot(y) + ε/V
Dropout (training only): `dropout` on both embeddings, between encoder layers (torch's own, inside the
nn.RNN module) and on o; word dropout drops whole embedding rows with probability w (kept rows × 1/(1 − w));
memory dropout on M. `masks` replaces the random draws by given masks (tests: our masks, exported).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, UNK, BOS, EOS = 0, 1, 2, 3
GATES = {'rnn': 1, 'gru': 3, 'lstm': 4}
MODEL_DEFAULTS = {
    'cell': 'gru',
    'embeddingSize': 256,
    'hiddenSize': 512,
    'encoderLayers': 1,
    'decoderLayers': 1,
    'bidirectional': True,
    'attention': 'bahdanau',
    'inputFeeding': False,
    'preOutput': True,
    'tiedTargetEmbeddings': False,
    'dropout': 0.0,
    'memoryDropout': 0.0,
    'wordDropout': 0.0,
    'labelSmoothing': 0.0,
    'maxSourceLength': 100,
    'maxTargetLength': 100,
}


def resolve_config(raw):
    """The model config with defaults filled in and the derived sizes (src/model/config.ts resolveSizes)."""
    c = {**MODEL_DEFAULTS, **raw}
    for k in ('srcVocabSize', 'tgtVocabSize'):
        if k not in c:
            raise ValueError(f'model config: {k} is missing')
    enc_hidden = c.get('encoderHiddenSize') or c['hiddenSize']
    directions = 2 if c['bidirectional'] else 1
    memory = enc_hidden * directions
    context = c['hiddenSize'] if c['attention'] == 'none' else memory
    ctx_in_input = c['attention'] in ('bahdanau', 'none')
    pre = c.get('preOutputSize') or c['hiddenSize']
    sizes = {
        'encoderHidden': enc_hidden,
        'directions': directions,
        'memory': memory,
        'attention': c.get('attentionSize') or c['hiddenSize'],
        'preOutput': pre,
        'context': context,
        'decoderInput': c['embeddingSize'] + (context if ctx_in_input else 0) + (pre if c['inputFeeding'] else 0),
        'outputInput': pre if c['preOutput'] else c['hiddenSize'],
    }
    return c, sizes


def _rnn(cell, input_size, hidden, layers, bidirectional=False, dropout=0.0):
    cls = {'rnn': nn.RNN, 'gru': nn.GRU, 'lstm': nn.LSTM}[cell]
    kw = {'nonlinearity': 'tanh'} if cell == 'rnn' else {}
    return cls(
        input_size, hidden, num_layers=layers, bidirectional=bidirectional, dropout=dropout if layers > 1 else 0.0, **kw
    )


class Encoder(nn.Module):
    def __init__(self, c, s):
        super().__init__()
        self.embedding = nn.Embedding(c['srcVocabSize'], c['embeddingSize'], padding_idx=PAD)
        self.rnn = _rnn(
            c['cell'], c['embeddingSize'], s['encoderHidden'], c['encoderLayers'], c['bidirectional'], c['dropout']
        )


class Attention(nn.Module):
    """Bahdanau: u = tanh(K_s + W_q q + b_q), score = v·u (K = M W_kᵀ); Luong general: score = q·(W_a m_s);
    Luong dot: score = q·m_s. α = softmax over the real source positions, c = Σ α_s m_s."""

    def __init__(self, kind, memory, query, size):
        super().__init__()
        self.kind = kind
        if kind == 'bahdanau':
            self.key_layer = nn.Linear(memory, size, bias=False)
            self.query_layer = nn.Linear(query, size)
            self.energy_layer = nn.Linear(size, 1, bias=False)
        elif kind == 'luong-general':
            self.key_layer = nn.Linear(memory, query, bias=False)

    def keys(self, M):
        return M if self.kind == 'luong-dot' else self.key_layer(M)

    def forward(self, q, K, M, valid):
        """q [B, Hq] (or [T, B, Hq] for Luong over all steps), K [S, B, ·], M [S, B, C], valid [S, B] bool."""
        if self.kind == 'bahdanau':
            score = self.energy_layer(torch.tanh(K + self.query_layer(q).unsqueeze(0))).squeeze(-1)  # [S, B]
            alpha = torch.softmax(score.masked_fill(~valid, float('-inf')), dim=0)
            return (alpha.unsqueeze(-1) * M).sum(0), alpha.transpose(0, 1)
        if q.dim() == 2:
            score = (K * q.unsqueeze(0)).sum(-1)  # [S, B]
            alpha = torch.softmax(score.masked_fill(~valid, float('-inf')), dim=0)
            return (alpha.unsqueeze(-1) * M).sum(0), alpha.transpose(0, 1)
        score = torch.einsum('tbh,sbh->tbs', q, K)  # all steps at once: [T, B, S]
        alpha = torch.softmax(score.masked_fill(~valid.t().unsqueeze(0), float('-inf')), dim=2)
        return torch.einsum('tbs,sbc->tbc', alpha, M), alpha


class Decoder(nn.Module):
    def __init__(self, c, s):
        super().__init__()
        H, L, E = c['hiddenSize'], c['decoderLayers'], c['embeddingSize']
        self.embedding = nn.Embedding(c['tgtVocabSize'], E, padding_idx=PAD)
        self.bridge = nn.Linear(s['memory'], L * H)
        # no dropout between decoder layers (ours has none there)
        self.rnn = _rnn(c['cell'], s['decoderInput'], H, L)
        if c['attention'] != 'none':
            self.attention = Attention(c['attention'], s['memory'], H, s['attention'])
        if c['preOutput']:
            self.pre_output = nn.Linear(H + s['context'] + E, s['preOutput'])
        self.out = nn.Linear(s['outputInput'], c['tgtVocabSize'])
        if c['tiedTargetEmbeddings']:
            self.out.weight = self.embedding.weight


class Seq2SeqTwin(nn.Module):
    def __init__(self, raw_config):
        super().__init__()
        self.raw_config = dict(raw_config)
        self.config, self.sizes = resolve_config(raw_config)
        c, s = self.config, self.sizes
        if c['attention'] == 'luong-dot' and s['memory'] != c['hiddenSize']:
            raise ValueError('luong-dot needs hiddenSize = encoder output size')
        self.encoder = Encoder(c, s)
        self.decoder = Decoder(c, s)
        self.reset_parameters()

    # ---------------------------------------------------------------- parameters
    def reset_parameters(self):
        """PyTorch's defaults (as ours): recurrent U(±1/√H), Linear U(±1/√fan_in), embeddings N(0, 1) with a zero
        padding row; a target embedding tied to the output layer N(0, 1/E)."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.RNNBase)):
                m.reset_parameters()
        nn.init.normal_(self.encoder.embedding.weight)
        std = 1 / math.sqrt(self.config['embeddingSize']) if self.config['tiedTargetEmbeddings'] else 1.0
        nn.init.normal_(self.decoder.embedding.weight, std=std)
        with torch.no_grad():
            self.encoder.embedding.weight[PAD].zero_()
            self.decoder.embedding.weight[PAD].zero_()

    def checkpoint_tensors(self):
        """(name, tensor) in our checkpoint's names; the tied output weight is the embedding, stored once."""
        out = []
        for name, p in self.named_parameters():  # named_parameters lists a shared tensor once
            out.append((name, p))
        return out

    def load_checkpoint_tensors(self, tensors, where='model.safetensors'):
        """Copies every tensor in by name; names and shapes must match exactly (both ways)."""
        params = dict(self.checkpoint_tensors())
        for name, p in params.items():
            if name not in tensors:
                raise ValueError(f'{where}: tensor {name} is missing (the config needs shape {list(p.shape)})')
            t = tensors[name]
            if list(t.shape) != list(p.shape):
                raise ValueError(f'{where}: tensor {name} has shape {list(t.shape)}, the config needs {list(p.shape)}')
            with torch.no_grad():
                p.copy_(t.to(p.dtype))
        extra = set(tensors) - set(params)
        if extra:
            raise ValueError(f'{where}: unexpected tensor {sorted(extra)[0]} (not in the model the config describes)')

    # ---------------------------------------------------------------- pieces
    def _mask(self, masks, key, shape, p, like):
        """Inverted dropout mask [u ≥ p]/(1 − p), or the given one."""
        if masks is not None and key in masks:
            return masks[key].to(like.dtype)
        return (torch.rand(shape, dtype=like.dtype, device=like.device) >= p).to(like.dtype) / (1 - p)

    def _embed_dropout(self, emb, train, masks, side):
        """dropout (elementwise) and word dropout (whole rows) on an embedded input [T, B, E]."""
        c = self.config
        if not train or (c['dropout'] == 0 and c['wordDropout'] == 0):
            return emb
        if masks is not None and side in masks:
            return emb * masks[side].to(emb.dtype)
        if c['dropout'] > 0:
            emb = emb * self._mask(None, None, emb.shape, c['dropout'], emb)
        if c['wordDropout'] > 0:
            emb = emb * self._mask(None, None, emb.shape[:2] + (1,), c['wordDropout'], emb)
        return emb

    def encode(self, src, src_len, train=False, masks=None):
        """Returns (memory for attention [S, B, C], final [B, C], valid [S, B])."""
        c = self.config
        S = src.shape[0]
        emb = self._embed_dropout(self.encoder.embedding(src), train, masks, 'src')
        packed = pack_padded_sequence(emb, src_len.cpu(), enforce_sorted=False)
        out, h = self.encoder.rnn(packed)
        M, _ = pad_packed_sequence(out, total_length=S)
        if c['cell'] == 'lstm':
            h = h[0]
        final = torch.cat([h[-2], h[-1]], dim=1) if c['bidirectional'] else h[-1]
        if train and c['memoryDropout'] > 0:
            M = M * self._mask(masks, 'memory', M.shape, c['memoryDropout'], M)
        valid = torch.arange(S, device=src.device).unsqueeze(1) < src_len.to(src.device).unsqueeze(0)
        return M, final, valid

    def init_state(self, final):
        """h0 = tanh(W_b final + b_b) split per layer [L, B, H]; LSTM (h0, 0); and the context C = h0^top."""
        c = self.config
        B = final.shape[0]
        L, H = c['decoderLayers'], c['hiddenSize']
        h0 = torch.tanh(self.decoder.bridge(final)).view(B, L, H).transpose(0, 1).contiguous()
        state = (h0, torch.zeros_like(h0)) if c['cell'] == 'lstm' else h0
        return state, h0[-1]

    def _top(self, state):
        return (state[0] if self.config['cell'] == 'lstm' else state)[-1]

    def _pre_output(self, s, ctx, e):
        if not self.config['preOutput']:
            return s
        return torch.tanh(self.decoder.pre_output(torch.cat([s, ctx, e], dim=-1)))

    def decoder_step(self, e_t, state, o_prev, enc):
        """One step: returns (o_t, new state, attention weights [B, S] or None). enc = (M, K, valid, C)."""
        c = self.config
        M, K, valid, C = enc
        kind = c['attention']
        alpha = None
        parts = [e_t]
        if kind == 'bahdanau':
            ctx, alpha = self.decoder.attention(self._top(state), K, M, valid)
            parts.append(ctx)
        elif kind == 'none':
            ctx = C
            parts.append(C)
        if c['inputFeeding']:
            parts.append(o_prev)
        out, state = self.decoder.rnn(torch.cat(parts, dim=1).unsqueeze(0), state)
        s = out[0]
        if kind.startswith('luong'):
            ctx, alpha = self.decoder.attention(s, K, M, valid)
        return self._pre_output(s, ctx, e_t), state, alpha

    def decode_teacher_forced(self, tgt_in, enc, state, train, masks=None):
        """o for every step [T, B, ·] (teacher forcing)."""
        c = self.config
        M, K, valid, C = enc
        T, B = tgt_in.shape
        e = self._embed_dropout(self.decoder.embedding(tgt_in), train, masks, 'tgt')
        kind = c['attention']
        if not c['inputFeeding'] and kind != 'bahdanau':
            # the RNN's input is known for all steps: one call over the sequence
            x = e if kind != 'none' else torch.cat([e, C.unsqueeze(0).expand(T, B, C.shape[1])], dim=2)
            s, _ = self.decoder.rnn(x, state)
            ctx = (
                self.decoder.attention(s, K, M, valid)[0] if kind != 'none' else C.unsqueeze(0).expand(T, B, C.shape[1])
            )
            return self._pre_output(s, ctx, e)
        o_prev = e.new_zeros(B, self.sizes['preOutput']) if c['inputFeeding'] else None
        outs = []
        for t in range(T):
            o_prev, state, _ = self.decoder_step(e[t], state, o_prev, enc)
            outs.append(o_prev)
        return torch.stack(outs)

    def encoder_output(self, src, src_len, train=False, masks=None):
        M, final, valid = self.encode(src, src_len, train, masks)
        state, C = self.init_state(final)
        K = self.decoder.attention.keys(M) if self.config['attention'] != 'none' else None
        return (M, K, valid, C), state

    # ---------------------------------------------------------------- loss
    def loss(self, src, src_len, tgt_in, tgt_out, train=False, masks=None):
        """(Σ loss, Σ nll, tokens) over the non-pad targets; loss with label smoothing (autograd-ready)."""
        c = self.config
        enc, state = self.encoder_output(src, src_len, train, masks)
        O = self.decode_teacher_forced(tgt_in, enc, state, train, masks)
        if train and c['dropout'] > 0:
            O = O * self._mask(masks, 'out', O.shape, c['dropout'], O)
        real = tgt_out != PAD
        y = tgt_out[real]
        logp = F.log_softmax(self.decoder.out(O[real]), dim=-1)  # only the rows with a target
        nll = -logp.gather(1, y.unsqueeze(1)).squeeze(1)
        eps = c['labelSmoothing']
        per = nll if eps == 0 else (1 - eps) * nll - eps * logp.mean(dim=1)
        return per.sum(), nll.detach().sum(), int(y.numel())

    def forward(self, src, src_len, tgt_in, tgt_out, train=False, masks=None):
        """The loss (what DistributedDataParallel calls)."""
        return self.loss(src, src_len, tgt_in, tgt_out, train, masks)

    # ---------------------------------------------------------------- greedy
    @torch.no_grad()
    def greedy(self, sources, max_length_ratio=2.0, max_length_constant=10.0):
        """Greedy decoding of id lists (as src/decode/greedy.ts): y_t = argmax log p (lowest id on ties) until
        </s> or floor(ratio · source length + constant) tokens; returns the output id lists without </s>."""
        B = len(sources)
        if B == 0:
            return []
        lengths = [max(1, len(s)) for s in sources]
        S = max(lengths)
        src = torch.zeros(S, B, dtype=torch.long)
        for b, s in enumerate(sources):
            if len(s) == 0:
                src[0, b] = EOS
            else:
                src[: len(s), b] = torch.tensor(s, dtype=torch.long)
        src_len = torch.tensor(lengths, dtype=torch.long)
        enc, state = self.encoder_output(src, src_len)
        max_len = [max(1, math.floor(max_length_ratio * l + max_length_constant)) for l in lengths]
        prev = torch.full((B,), BOS, dtype=torch.long)
        o_prev = enc[0].new_zeros(B, self.sizes['preOutput']) if self.config['inputFeeding'] else None
        out = [[] for _ in range(B)]
        alive = list(range(B))
        while alive:
            o, state, _ = self.decoder_step(self.decoder.embedding(prev), state, o_prev, enc)
            best = torch.argmax(F.log_softmax(self.decoder.out(o), dim=-1), dim=1).tolist()
            keep = []
            for r, b in enumerate(alive):
                if best[r] == EOS:
                    continue
                out[b].append(best[r])
                if len(out[b]) < max_len[b]:
                    keep.append(r)
            if not keep:
                break
            if len(keep) < len(alive):
                idx = torch.tensor(keep, dtype=torch.long)
                M, K, valid, C = enc
                enc = (M[:, idx], None if K is None else K[:, idx], valid[:, idx], C[idx])
                state = tuple(x[:, idx] for x in state) if isinstance(state, tuple) else state[:, idx]
                o = o[idx]
            alive = [alive[r] for r in keep]
            prev = torch.tensor([best[r] for r in keep], dtype=torch.long)
            o_prev = o if self.config['inputFeeding'] else None
        return out
