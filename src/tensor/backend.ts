/**
 * The kernel interface: every numeric hot path of the project goes through one of these calls.
 *
 * Conventions (shared by the TypeScript backend in ./js-backend.ts and the native backend in
 * ./native.ts, which binds the C kernels of native/ at the repository root):
 * - matrices are row-major, contiguous Float32Arrays (or `subarray` views of one); a matrix
 *   "M×N" has element (i, j) at [i*N + j];
 * - "accumulate" means the kernel adds into its output (`+=`); otherwise it overwrites;
 * - no kernel allocates its result: the caller passes every output buffer (workspaces are reused);
 * - integer ids are Int32Arrays; masks are Float32Arrays of 0/1.
 *
 * A backend may implement only part of the interface natively: `createBackend` fills the rest
 * from the TypeScript backend, which is the reference for every kernel's semantics.
 * Anyone adding a method here adds its TypeScript implementation in the same change.
 */
export type F32 = Float32Array;
export type I32 = Int32Array;

export interface Backend {
  readonly name: 'js' | 'native';
  /** Threads used by the large kernels (GEMM). */
  threads(): number;
  setThreads(n: number): void;

  // ---- matrix products -------------------------------------------------------------------
  /**
   * C = alpha · op(A) · op(B) + beta · C, with op(A) M×K and op(B) K×N.
   * A is stored M×K (K×M when transA), B is stored K×N (N×K when transB), C is M×N.
   * beta = 0 overwrites C (even if C held NaN), beta = 1 accumulates.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    B: F32,
    beta: number,
    C: F32,
  ): void;

  /**
   * Floats of the packed form of an N×K weight matrix W (see packWeights): what this backend's packWeights
   * writes and gemmPackedWeights reads; a packed matrix belongs to the backend that packed it.
   */
  packedWeightsSize(N: number, K: number): number;
  /** packed = W (N×K) in the form the GEMM multiplies by Wᵀ without repacking it (native: its B panels). */
  packWeights(N: number, K: number, W: F32, packed: F32): void;
  /**
   * C = alpha · A · Wᵀ + beta · C (A M×K, C M×N) with W also given packed by packWeights: exactly
   * gemm(false, true, M, N, K, alpha, A, W, beta, C), to the bit, without packing W on every call (the decoder
   * step multiplies a few rows by the same weights step after step).
   */
  gemmPackedWeights(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    W: F32,
    packed: F32,
    beta: number,
    C: F32,
  ): void;

  /**
   * packed = B (K×N, not transposed) in the panels packWeights makes of Bᵀ (packedWeightsSize(N, K) floats), for
   * C = A·B with the same B step after step (training: dh_{t−1} = dgh_t · W_hh).
   */
  packMatrix(K: number, N: number, B: F32, packed: F32): void;
  /** C = alpha · A · B + beta · C, B (K×N) also given packed by packMatrix: gemm(false, false, …) to the bit. */
  gemmPackedMatrix(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    B: F32,
    packed: F32,
    beta: number,
    C: F32,
  ): void;
  /**
   * Exactly gemm(false, transB, M, N, K, alpha, A, B, beta, C), to the bit; products of M ≤ 4 rows (decoding one
   * sentence) split over the threads by the size of B, which their time is, where gemm counts flops.
   */
  gemmFewRows(
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F32,
    B: F32,
    beta: number,
    C: F32,
  ): void;

  /**
   * dst (cols×rows) = srcᵀ, src rows×cols. Lets a layer that multiplies by Wᵀ step after step
   * (X·Wᵀ at small M) transpose W once per pass and use the unpacked X·(Wᵀ) product.
   */
  transpose(rows: number, cols: number, src: F32, dst: F32): void;

  // ---- bias and reductions ---------------------------------------------------------------
  /** X[i, :] += bias for every row i of the M×N matrix X. */
  addRowVector(M: number, N: number, X: F32, bias: F32): void;
  /** out[j] += Σ_i X[i, j]  (the gradient of a bias added to every row). */
  sumRowsInto(M: number, N: number, X: F32, out: F32): void;
  /** Σ x² over the whole array (as float64). */
  sumSquares(x: F32): number;
  /** y += a · x */
  axpy(a: number, x: F32, y: F32): void;
  /** x *= a */
  scale(a: number, x: F32): void;
  /** x *= a, then Σ x² of the result (float64): scale and sumSquares in one pass over x. */
  scaleSumSquares(a: number, x: F32): number;
  /** x[:] = v */
  fill(x: F32, v: number): void;

  // ---- elementwise activations -----------------------------------------------------------
  /** y = tanh(x) (y may be x). */
  tanh(x: F32, y: F32): void;
  /** y = σ(x) = 1 / (1 + e^-x) (y may be x). */
  sigmoid(x: F32, y: F32): void;
  /** dx = dy ⊙ (1 − y²), accumulate when `accumulate`, where y = tanh(x). */
  tanhBackward(y: F32, dy: F32, dx: F32, accumulate: boolean): void;

  // ---- recurrent cells, one time step over a batch of B rows ------------------------------
  /**
   * GRU gates (PyTorch order r, z, n). gi = W_ih x + b_ih and gh = W_hh h + b_hh, both B×3H.
   *   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), h' = (1 − z) ⊙ n + z ⊙ h
   * Writes hNew (B×H) and caches [r | z | n] in gates (B×3H). With bhh, gh comes as W_hh h alone and gets
   * b_hh added first (gh ← gh + b_hh, which the backward reads): addRowVector and gruForward in one pass.
   */
  gruForward(B: number, H: number, gi: F32, gh: F32, hPrev: F32, hNew: F32, gates: F32, bhh?: F32): void;
  /**
   * Backward of gruForward. Given dh' (B×H), writes dgi (B×3H, grad of gi), dgh (B×3H, grad of gh)
   * and ACCUMULATES the direct path into dhPrev (B×H): dhPrev += z ⊙ dh'.
   */
  gruBackward(B: number, H: number, gates: F32, gh: F32, hPrev: F32, dhNew: F32, dgi: F32, dgh: F32, dhPrev: F32): void;
  /**
   * LSTM gates (PyTorch order i, f, g, o). g = W_ih x + b_ih + W_hh h + b_hh, B×4H (the sum).
   *   i = σ(g_i), f = σ(g_f), gg = tanh(g_g), o = σ(g_o); c' = f ⊙ c + i ⊙ gg; h' = o ⊙ tanh(c')
   * Writes hNew, cNew (B×H), caches activated [i | f | gg | o] in gates (B×4H) and tanh(c') in tanhC (B×H).
   */
  lstmForward(B: number, H: number, g: F32, cPrev: F32, hNew: F32, cNew: F32, gates: F32, tanhC: F32): void;
  /**
   * Backward of lstmForward. Given dh' and dc' (B×H; dc' is the gradient arriving from step t+1),
   * writes dg (B×4H, grad of the pre-activation sum) and dcPrev (B×H, overwritten).
   */
  lstmBackward(
    B: number,
    H: number,
    gates: F32,
    tanhC: F32,
    cPrev: F32,
    dhNew: F32,
    dcNew: F32,
    dg: F32,
    dcPrev: F32,
  ): void;
  /**
   * Padding: out[b, :] = mask[b] ? a[b, :] : b_[b, :] for a B×H pair (a padded step keeps the old state).
   */
  selectRows(B: number, H: number, mask: F32, a: F32, b: F32, out: F32): void;

  // ---- attention over a time-major memory (S source positions × B rows) ------------------
  // Layouts: keys K and memory M are [S×B×D] (row (s, b) at (s·B + b)·D), scores are [S×B],
  // attention weights alpha are [B×S], queries and contexts are [B×D]; lengths is an Int32Array [B].
  // rows (optional, default B): only batch rows b < rows are computed (a decoder step whose later
  // rows have ended, see nn/packed-steps.ts); what the kernel writes for the other rows is left as it
  // was, and the per-row arrays (qp, dqp, q, dq, alpha, ctx, dctx) need only `rows` rows.
  /**
   * Bahdanau energies: U[s,b,:] = tanh(K[s,b,:] + qp[b,:]) (cached for backward) and
   * scores[s·B + b] = v · U[s,b,:]. With lengths, only the real positions s < lengths[b]: scores and U at
   * padding are left as they were (the softmax never reads them, and their score gradient is 0).
   */
  additiveAttentionForward(
    S: number,
    B: number,
    A: number,
    K: F32,
    qp: F32,
    v: F32,
    U: F32,
    scores: F32,
    rows?: number,
    lengths?: Int32Array,
  ): void;
  /**
   * Backward of additiveAttentionForward given dscores [S×B]: du = dscores[s,b] · v ⊙ (1 − U²);
   * dK[s,b,:] += du (accumulate); dqp[b,:] = Σ_s du (overwritten); dv += Σ_{s,b} dscores[s,b] · U[s,b,:].
   */
  additiveAttentionBackward(
    S: number,
    B: number,
    A: number,
    U: F32,
    v: F32,
    dscores: F32,
    dK: F32,
    dqp: F32,
    dv: F32,
    rows?: number,
  ): void;
  /** Luong scores: scores[s·B + b] = q[b,:] · K[s,b,:]. */
  dotAttentionScores(S: number, B: number, D: number, K: F32, q: F32, scores: F32, rows?: number): void;
  /**
   * Backward of dotAttentionScores: dq[b] += Σ_s dscores[s,b] K[s,b]; dK[s,b] += dscores[s,b] q[b]
   * (both accumulate).
   */
  dotAttentionBackward(
    S: number,
    B: number,
    D: number,
    K: F32,
    q: F32,
    dscores: F32,
    dq: F32,
    dK: F32,
    rows?: number,
  ): void;
  /**
   * Masked softmax and context: alpha[b,s] = softmax over s < lengths[b] of scores[s·B + b]
   * (exactly 0 for s ≥ lengths[b]); ctx[b,:] = Σ_s alpha[b,s] · M[s,b,:] (overwritten).
   */
  attentionContext(
    S: number,
    B: number,
    C: number,
    scores: F32,
    lengths: I32,
    M: F32,
    alpha: F32,
    ctx: F32,
    rows?: number,
  ): void;
  /**
   * Backward of attentionContext given dctx [B×C]: dα[b,s] = dctx[b] · M[s,b];
   * dscores[s·B + b] = α (dα − Σ_s' α dα) (overwritten; 0 at padding); dM[s,b,:] += α[b,s] · dctx[b,:].
   */
  attentionContextBackward(
    S: number,
    B: number,
    C: number,
    alpha: F32,
    lengths: I32,
    M: F32,
    dctx: F32,
    dM: F32,
    dscores: F32,
    rows?: number,
  ): void;
  /**
   * attentionContextBackward's score gradient alone (training's BPTT, which needs it inside the recurrence):
   * dα[b,s] = dctx[b] · M[s,b] (+ dOut[b] · V[s,b] for a second memory V [S×B×W] read under the same weights,
   * when W > 0); dscores[s·B + b] = α (dα − Σ_s' α dα) (overwritten; 0 at padding). dM is left to
   * attentionMemoryGrad, once every step's dctx is known.
   */
  attentionScoreGrad(
    S: number,
    B: number,
    C: number,
    alpha: F32,
    lengths: I32,
    M: F32,
    dctx: F32,
    dscores: F32,
    rows?: number,
    W?: number,
    V?: F32,
    dOut?: F32,
  ): void;
  /**
   * The memory's gradient from every step of a packed batch of queries (count n_t, offset off_t: PackedSteps):
   * dM[s,b,:] += Σ_t alphas[off_t + b, s] · X[off_t + b, :] over the steps t with b < n_t, s < lengths[b]
   * (alphas packed [Σn × S], X packed [Σn × C]: each step's dctx, or anything the same weights multiply).
   */
  attentionMemoryGrad(
    S: number,
    B: number,
    C: number,
    count: I32,
    offset: I32,
    lengths: I32,
    alphas: F32,
    X: F32,
    dM: F32,
  ): void;

  // ---- output layer ----------------------------------------------------------------------
  /**
   * Row-wise log-softmax of the M×V logits into out (out may be logits).
   */
  logSoftmax(M: number, V: number, logits: F32, out: F32): void;
  /**
   * Softmax cross-entropy with label smoothing ε over M rows of V logits, rows whose target is
   * `ignoreId` (padding) contribute nothing. Target distribution: (1 − ε) on the target plus ε/V
   * spread over all V classes. Returns the summed loss (float64) and writes
   * dLogits = softmax − target distribution (zero rows for ignored targets). dLogits may be logits.
   * With `nll` given, nll[0] receives the unsmoothed Σ −log p_y over the same rows (perplexity).
   */
  softmaxCrossEntropy(
    M: number,
    V: number,
    logits: F32,
    targets: I32,
    ignoreId: number,
    smoothing: number,
    dLogits: F32,
    nll?: Float64Array,
  ): number;

  // ---- search: the best entries of each row ----------------------------------------------
  /**
   * For each row r < M of the M×V matrix x: the k best s = base[r] + x[r, j] (added in float64; base null = 0),
   * ties to the lower j, in decreasing order, written to values[r·k + i] and ids[r·k + i]. It is the candidate
   * buffer of beam search (src/decode/top-k.ts): a candidate enters while fewer than k are held, or when it
   * beats the last one strictly. A row with fewer than k columns ends with (−Infinity, −1) entries.
   */
  rowTopK(M: number, V: number, x: F32, k: number, base: Float64Array | null, values: Float64Array, ids: I32): void;
  /**
   * out = logSoftmax(logits) (out may be logits; the same values as `logSoftmax`, to the bit), then
   * rowTopK over out — one pass over each row while it is in cache.
   */
  logSoftmaxTopK(
    M: number,
    V: number,
    logits: F32,
    out: F32,
    k: number,
    base: Float64Array | null,
    values: Float64Array,
    ids: I32,
  ): void;

  // ---- low-precision output layer (opt-in fast decoding; ./low-precision.ts) -------------------
  // C = X·Wᵀ + bias for W stored N×K (as Linear stores it), packed once in the layout of
  // ./low-precision-layout.ts (int8PackedSize / bf16PackedSize elements).
  /**
   * Per-row symmetric int8 (CTranslate2's scheme): scales[j] = max_k |W[j,k]| / 127 (1 for a zero row),
   * q(j,k) = round(W[j,k] / scales[j]) to nearest even, clamped to ±127; rowSums[j] = Σ_k q(j,k).
   */
  quantizeInt8(N: number, K: number, W: F32, q: Int8Array, scales: F32, rowSums: I32): void;
  /**
   * C[i,j] = sx_i · scales[j] · Σ_k xq[i,k] q[j,k] + bias[j], each row of X quantized as the weights are
   * (sx_i = max_k |X[i,k]| / 127, xq = round(X[i,k] / sx_i)); the integer sums are exact.
   */
  gemmInt8(
    M: number,
    N: number,
    K: number,
    X: F32,
    q: Int8Array,
    scales: F32,
    rowSums: I32,
    bias: F32 | null,
    C: F32,
  ): void;
  /** W (N×K) rounded to bfloat16 (nearest even; NaN stays NaN), packed. */
  packBf16(N: number, K: number, W: F32, out: Uint16Array): void;
  /** C[i,j] = Σ_k bf16(X[i,k]) · Wb[j,k] (exact products, float32 sums) + bias[j]. */
  gemmBf16(M: number, N: number, K: number, X: F32, Wb: Uint16Array, bias: F32 | null, C: F32): void;

  // ---- decoding: attention through each row's sentence --------------------------------------
  // The memory M and keys K hold the B0 sentences of a batch ([S×B0×D], row (s, j) at (s·B0 + j)·D); row b < rows
  // reads sentence src[b] (lengths[j]: sentence j's length), so the hypotheses of one sentence share its memory.
  // A row's results equal those of the kernels above on the memory gathered row by row, to the bit.
  /** scores[s·rows + b] = v · tanh(K[s, src[b]] + qp[b]) for s < lengths[src[b]] (the other s are not written). */
  additiveScoresAt(
    S: number,
    B0: number,
    A: number,
    K: F32,
    src: I32,
    lengths: I32,
    rows: number,
    qp: F32,
    v: F32,
    scores: F32,
  ): void;
  /** scores[s·rows + b] = q[b] · K[s, src[b]] for s < lengths[src[b]] (the other s are not written). */
  dotScoresAt(
    S: number,
    B0: number,
    D: number,
    K: F32,
    src: I32,
    lengths: I32,
    rows: number,
    q: F32,
    scores: F32,
  ): void;
  /**
   * alpha[b, s] = softmax over s < lengths[src[b]] of scores[s·rows + b] (exactly 0 beyond);
   * ctx[b, :] = Σ_s alpha[b, s] · M[s, src[b], :].
   */
  attentionContextAt(
    S: number,
    B0: number,
    C: number,
    M: F32,
    src: I32,
    lengths: I32,
    rows: number,
    scores: F32,
    alpha: F32,
    ctx: F32,
  ): void;

  // ---- dropout ---------------------------------------------------------------------------
  /**
   * Fills mask with an inverted-dropout mask: mask_i = u_i ≥ ⌊p·2³²⌋ ? 1/(1 − p) : 0, where
   * u_i = fmix32(fmix32(i·0x9E3779B9 + seed0) ⊕ seed1) (MurmurHash3's 32-bit finaliser), a
   * counter-based draw: element i depends only on the two 32-bit seeds and i, so every backend
   * and thread split gives the same mask. With `first` (default 0) the mask is elements
   * first … first + mask.length − 1 of the mask of these seeds: mask[j] uses u_{first + j}.
   */
  dropoutMask(mask: F32, p: number, seed0: number, seed1: number, first?: number): void;

  // ---- embeddings ------------------------------------------------------------------------
  /** out[r, :] = table[ids[r], :] for each of the n = ids.length rows, D columns. */
  gatherRows(ids: I32, D: number, table: F32, out: F32): void;
  /** dTable[ids[r], :] += dOut[r, :], skipping rows whose id is `skipId` (padding). */
  scatterAddRows(ids: I32, D: number, dOut: F32, dTable: F32, skipId: number): void;

  // ---- optimiser -------------------------------------------------------------------------
  /**
   * One Adam step over a parameter tensor, g = gradScale · grad (default 1; the float32 product scale() would
   * have stored — a clipping factor applied here instead of in a pass of its own; grad is left as it is):
   *   m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²
   *   p −= lr · (m / bc1) / (√(v / bc2) + ε) + lr · wd · p     (bc1 = 1 − β1^t, bc2 = 1 − β2^t)
   */
  adamStep(
    p: F32,
    g: F32,
    m: F32,
    v: F32,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    bc1: number,
    bc2: number,
    weightDecay: number,
    gradScale?: number,
  ): void;
}
