"""A BERT cross-encoder in plain PyTorch, laid out exactly like Hugging Face's
BertForSequenceClassification (post-LayerNorm, exact GELU, tanh pooler on [CLS]), so its weights
export to crossrank's ONNX graph builder (scripts/model-gen/bertGraph.ts) unchanged.

With embed < hidden the word embeddings are factorised (ALBERT's trick): a vocab x embed table
(the 100-d word vectors fit it) and a linear map to the hidden size. That is still a plain BERT:
folded() multiplies the two into one vocab x hidden table and adds the map's bias to every
position row (the three embeddings are summed before the LayerNorm)."""
import math

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, hidden, heads, intermediate, eps):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_ln = nn.LayerNorm(hidden, eps=eps)
        self.ffn_in = nn.Linear(hidden, intermediate)
        self.ffn_out = nn.Linear(intermediate, hidden)
        self.out_ln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, mask_bias):
        b, s, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_bias
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, h)
        x = self.attn_ln(x + self.attn_out(context))
        return self.out_ln(x + self.ffn_out(nn.functional.gelu(self.ffn_in(x))))


class LexicalMatch(nn.Module):
    """An exact-match channel added to the classifier's logit: a BM25-shaped sum over the query's
    tokens of a learned per-token weight times the saturated count of that token id in the
    document. Interaction models of the pre-BERT era (DRMM, Duet) had such a channel because a
    small model cannot learn, from a few thousand queries, how much an exact match of a rare word
    is worth for every word of the vocabulary; here each token's weight starts at its IDF over the
    training passages, so words never seen in a training query still count as BM25 would count them.
    It reads only input_ids, token_type_ids and attention_mask, so it is part of the same ONNX graph."""

    def __init__(self, vocab, avg_length, scale=1.0):
        super().__init__()
        self.term_weight = nn.Parameter(torch.zeros(vocab))
        # one factor for every token's weight: a training query's IDF sum is 10-38 (10th-90th
        # percentile), far above the encoder's logits at the start, and one learned factor rescales
        # that in a few steps where 30,522 weights would take thousands; folded in at export
        self.scale = nn.Parameter(torch.tensor(float(scale)))
        self.k1_raw = nn.Parameter(torch.tensor(math.log(math.expm1(1.2))))  # softplus^-1(1.2)
        self.b_raw = nn.Parameter(torch.tensor(math.log(0.75 / 0.25)))  # sigmoid^-1(0.75)
        self.register_buffer("avg_length", torch.tensor(float(avg_length)))

    def k1(self):
        return nn.functional.softplus(self.k1_raw)

    def b(self):
        return torch.sigmoid(self.b_raw)

    def forward(self, input_ids, token_type_ids, attention_mask):
        real = (attention_mask == 1) & (input_ids != CLS) & (input_ids != SEP)
        query = (real & (token_type_ids == 0)).float()
        doc = (real & (token_type_ids == 1)).float()
        same = (input_ids[:, :, None] == input_ids[:, None, :]).float()
        tf = (same @ doc[:, :, None]).squeeze(-1)  # occurrences in the document of each position's token
        length = doc.sum(-1, keepdim=True)
        k1 = self.k1()
        norm = k1 * (1 - self.b() + self.b() * length / self.avg_length)
        saturated = tf * (k1 + 1) / (tf + norm)
        return (query * self.weights()[input_ids] * saturated).sum(-1)

    def weights(self):
        """What one saturated match of each token id is worth."""
        return self.term_weight * self.scale


class CrossEncoder(nn.Module):
    def __init__(self, vocab=30522, hidden=100, layers=4, heads=4, intermediate=400, max_positions=512, type_vocab=2, eps=1e-12, embed=None, lexical_avg_length=None, lexical_scale=1.0, max_length=None):
        super().__init__()
        embed = embed or hidden
        self.spec = dict(vocab=vocab, hidden=hidden, layers=layers, heads=heads, intermediate=intermediate, max_positions=max_positions, type_vocab=type_vocab, eps=eps)
        if embed != hidden:
            self.spec["embed"] = embed
        # tokens per pair when longer than the position table: the encoder then reads a window of
        # the first max_positions tokens (encoder_window) and the exact-match channel all of them
        if max_length and max_length != max_positions:
            self.spec["max_length"] = max_length
        self.lexical = None
        if lexical_avg_length:
            self.spec["lexical_avg_length"] = lexical_avg_length
            self.lexical = LexicalMatch(vocab, lexical_avg_length, lexical_scale)
        self.word = nn.Embedding(vocab, embed)
        self.word_proj = nn.Linear(embed, hidden) if embed != hidden else None
        self.position = nn.Embedding(max_positions, hidden)
        self.token_type = nn.Embedding(type_vocab, hidden)
        self.emb_ln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(Layer(hidden, heads, intermediate, eps) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, 1)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def encode(self, input_ids, token_type_ids, attention_mask):
        """The last layer's hidden states."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        words = self.word(input_ids)
        if self.word_proj is not None:
            words = self.word_proj(words)
        x = self.emb_ln(words + self.position(positions)[None] + self.token_type(token_type_ids))
        mask_bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x

    def encoder_window(self, input_ids, token_type_ids, attention_mask):
        """The first max_positions tokens, the last made [SEP] where it is a real token: a pair longer
        than the window then reads as its truncation to max_positions (for a query short enough
        that longest_first cuts only the document), and a shorter one is unchanged."""
        width = self.spec["max_positions"]
        if input_ids.shape[1] <= width:
            return input_ids, token_type_ids, attention_mask
        ids = input_ids[:, :width].clone()
        ids[:, -1] = torch.where(attention_mask[:, width - 1] == 1, torch.full_like(ids[:, -1], SEP), ids[:, -1])
        return ids, token_type_ids[:, :width], attention_mask[:, :width]

    def encoder_logit(self, input_ids, token_type_ids, attention_mask):
        """The classifier's logit, without the exact-match channel."""
        x = self.encode(*self.encoder_window(input_ids, token_type_ids, attention_mask))
        return self.classifier(torch.tanh(self.pooler(x[:, 0]))).squeeze(-1)

    def forward(self, input_ids, token_type_ids, attention_mask):
        logit = self.encoder_logit(input_ids, token_type_ids, attention_mask)
        if self.lexical is not None:
            logit = logit + self.lexical(input_ids, token_type_ids, attention_mask)
        return logit

    def folded(self):
        """(word embeddings, position embeddings) of the equivalent plain BERT: vocab x hidden."""
        if self.word_proj is None:
            return self.word.weight, self.position.weight
        return self.word.weight @ self.word_proj.weight.T, self.position.weight + self.word_proj.bias[None]


CLS, SEP, PAD = 101, 102, 0


def truncate_pair(q, d, max_length):
    """Hugging Face's longest_first rule (the budget split; the early-exit refinement does not matter for training)."""
    budget = max_length - 3
    if len(q) + len(d) <= budget:
        return q, d
    n1, n2 = sorted((len(q), len(d)))
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    if len(q) > len(d):
        n1, n2 = n2, n1
    return q[: min(n1, len(q))], d[: min(n2, len(d))]


def collate(pairs, max_length):
    """[CLS] q [SEP] d [SEP] with BERT token types, right-padded to the longest pair of the batch."""
    rows = []
    for q, d in pairs:
        q, d = truncate_pair(q, d, max_length)
        ids = [CLS] + q + [SEP] + d + [SEP]
        types = [0] * (len(q) + 2) + [1] * (len(d) + 1)
        rows.append((ids, types))
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), PAD, dtype=torch.long)
    token_types = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (ids, types) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        token_types[i, : len(types)] = torch.tensor(types)
        mask[i, : len(ids)] = 1
    return input_ids, token_types, mask
