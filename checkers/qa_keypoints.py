"""The ten ``qa`` questions: question text, reference answer and weighted key points.

Everything here is written by the project in its own words. For each key point:

- ``summary`` is what the feedback names ("covered: ...; missing: ..."): it says what the
  point is about without giving the answer away;
- ``statements`` are several phrasings of the point (positive and negated forms where a
  student would naturally use either); a sentence of an answer covers the point when it is
  close enough to one of them (see :mod:`checkers.qa_scoring`);
- ``require`` are regular expressions that must **all** match the sentence (they name the
  concept the point is about, so that a sentence with the right tone but the wrong topic,
  or a copy of the question, cannot cover it).

The reference answer is a list of sentences, each tagged with the points it states; those
sentences also count as statements of their points.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyPoint:
    """One idea an answer should contain, with its weight (points sum to 10 per question)."""

    id: str
    weight: float
    summary: str
    statements: tuple[str, ...]
    require: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question, its reference answer (sentences tagged with point ids) and key points."""

    id: str
    text: str
    reference: tuple[tuple[str, tuple[str, ...]], ...]
    points: tuple[KeyPoint, ...]
    # Word pairs whose exchange reverses a claim about this question (see qa_scoring).
    antonyms: tuple[tuple[str, str], ...] = ()

    @property
    def reference_answer(self) -> str:
        """The reference answer as one paragraph."""
        return " ".join(sentence for sentence, _ in self.reference)

    @property
    def total_weight(self) -> float:
        """Sum of the key points' weights."""
        return float(sum(p.weight for p in self.points))

    def statements_for(self, point: KeyPoint) -> tuple[str, ...]:
        """The point's statements plus the reference sentences tagged with it."""
        extra = tuple(s for s, ids in self.reference if point.id in ids)
        return point.statements + extra


STATEFUL = (
    r"\b(stateful|stateless|keeps?|kept|keeping|preserv|carr(y|ies|ied)|retain|remember|"
    r"persist|pass(es|ed)?|reus|not reset)"
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        id="q1",
        text="What are the advantages and the drawbacks of a stateful RNN compared with a "
        "stateless RNN?",
        reference=(
            (
                "A stateful RNN keeps its hidden state from one batch to the next instead of "
                "resetting it, so it can learn patterns that are much longer than the "
                "windows it is trained on.",
                ("q1.a",),
            ),
            (
                "A stateless RNN starts every window from a zero state, so it cannot learn "
                "anything longer than one window.",
                ("q1.a",),
            ),
            (
                "The price is data preparation: each sequence in a batch must continue exactly "
                "where the same row of the previous batch ended, the windows must not overlap "
                "or be shuffled, and the state has to be reset at the start of every epoch.",
                ("q1.b",),
            ),
            (
                "Because consecutive batches are correlated rather than independent and "
                "identically distributed, gradient descent works less well, while a stateless "
                "RNN is simpler and can train on shuffled, independent windows.",
                ("q1.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q1.a",
                4,
                "what a stateful RNN can learn that a stateless one cannot",
                (
                    "A stateful RNN does not reset its hidden state after each batch, so it can "
                    "learn patterns longer than one window.",
                    "A stateful RNN remembers the context from the previous batch.",
                    "Stateful models can capture longer-range dependencies.",
                    "The final state of a batch is used as the initial state of the next batch, "
                    "so the model sees a longer context.",
                    "A stateful RNN can learn long-term patterns because its state is carried "
                    "across batches.",
                    "Keeping the hidden state between batches lets the network capture "
                    "dependencies longer than a single training window.",
                    "A stateless RNN cannot learn patterns longer than the window it sees.",
                    "The state persists from batch to batch, so the model remembers earlier "
                    "parts of the text beyond one sequence.",
                    "Stateful networks can model longer dependencies than stateless ones.",
                ),
                (
                    STATEFUL,
                    r"\b(long|beyond|across|between|span|distant|earlier|previous|whole|entire|"
                    r"from one batch|batch to batch|next batch)",
                ),
            ),
            KeyPoint(
                "q1.b",
                3,
                "how the training data must be prepared for a stateful RNN",
                (
                    "The windows must not overlap and the batches must not be shuffled.",
                    "No shuffling is allowed: every row of a batch continues the text of the "
                    "previous batch.",
                    "With a stateful RNN the batches must be consecutive and in the right order.",
                    "You have to reset the states at every epoch and the data cannot be shuffled.",
                    "Each sequence in a batch must continue the corresponding sequence of the "
                    "previous batch.",
                    "Stateful training needs batches of consecutive, non-overlapping sequences "
                    "where each batch continues the previous one.",
                    "You cannot shuffle the data for a stateful RNN; sequences must stay in "
                    "order and line up from one batch to the next.",
                    "The state must be reset at the start of each epoch or new text.",
                    "Preparing the dataset is harder: each row of a batch has to pick up "
                    "where the same row of the previous batch stopped.",
                ),
                (
                    r"\b(consecutive|overlap|order|continu|sequential|shuffl|reset|line up|align|"
                    r"contiguous|prepar|pick up|picks up|resum|follow|same row|where .* (ended|"
                    r"stopped|left off))",
                ),
            ),
            KeyPoint(
                "q1.c",
                3,
                "why stateless RNNs are easier to train",
                (
                    "Stateless training does not need the batches in order, so the data can be "
                    "shuffled.",
                    "Stateless RNNs are easier to train because the training samples can be "
                    "shuffled.",
                    "For a stateful RNN the batches are correlated, which makes gradient descent "
                    "less effective.",
                    "Stateless training data is independent and identically distributed.",
                    "Stateless RNNs are simpler: the windows can be shuffled and are "
                    "independent and identically distributed, which suits gradient descent.",
                    "Consecutive batches of a stateful RNN are correlated, not i.i.d., so "
                    "training is less efficient.",
                    "A stateless model is easier to train because each batch is independent "
                    "of the others.",
                    "Stateless training can use random, shuffled samples, while stateful "
                    "training cannot.",
                ),
                (
                    r"\b(shuffl|iid|i\.i\.d|independent|correlat|simpl|easier|random|"
                    r"identically distributed)",
                ),
            ),
        ),
        antonyms=(
            ("stateful", "stateless"),
            ("longer", "shorter"),
            ("long", "short"),
            ("easier", "harder"),
            ("simpler", "harder"),
            ("independent", "correlated"),
        ),
    ),
    Question(
        id="q2",
        text="Why would you use an encoder-decoder RNN rather than a plain "
        "sequence-to-sequence RNN for automatic translation?",
        reference=(
            (
                "A plain sequence-to-sequence RNN has to emit output words while it is still "
                "reading the input, so it translates word by word before it has seen the rest "
                "of the sentence.",
                ("q2.a",),
            ),
            (
                "Translation needs the whole sentence first, because words at the end can change "
                "the meaning and the word order of the beginning.",
                ("q2.a",),
            ),
            (
                "An encoder-decoder first lets the encoder read the entire input sentence and "
                "summarise it into a representation, and only then the decoder generates the "
                "translation from it.",
                ("q2.b",),
            ),
            (
                "This also decouples the two sides, so the output can have a different length "
                "and a different word order than the input.",
                ("q2.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q2.a",
                5,
                "what goes wrong when output starts before the input has been read",
                (
                    "A plain RNN has not seen the end of the sentence when it starts translating.",
                    "A plain RNN outputs a word for each input word, so it translates word by "
                    "word.",
                    "The first output words are produced before the model knows how the sentence "
                    "ends.",
                    "To translate well you must read the entire sentence first.",
                    "A plain sequence-to-sequence RNN starts producing the translation after "
                    "the first words, before it has read the whole sentence.",
                    "Translating word by word fails because the end of a sentence can change "
                    "how its beginning must be translated.",
                    "You need to see the complete input sentence before you can translate it.",
                    "A simple seq-to-seq RNN cannot look at words that come later in the "
                    "sentence when it outputs the first words.",
                ),
                (
                    r"\b(whole|entire|full|rest|end|complete|later|all|first|before|yet|"
                    r"word by word|word-by-word|word for word|one word at a time|each word)",
                ),
            ),
            KeyPoint(
                "q2.b",
                3,
                "what the encoder does before the decoder starts",
                (
                    "The encoder turns the whole input sentence into a context vector for the "
                    "decoder.",
                    "First the encoder reads everything, then the decoder writes the translation.",
                    "The decoder generates the output from the encoder's final state.",
                    "The encoder reads the full input sentence and compresses it into a "
                    "vector or state that the decoder uses to generate the output.",
                    "The encoder summarises the source sentence into a representation, and "
                    "then the decoder produces the translation from it.",
                    "The decoder only starts after the encoder has processed the whole input.",
                ),
                (r"\b(encod|represent|vector|summar|compress|context|state)",),
            ),
            KeyPoint(
                "q2.c",
                2,
                "lengths and word order of input and output",
                (
                    "The translation can be longer or shorter than the source sentence.",
                    "Languages use different word orders, so outputs are not aligned with inputs.",
                    "The output length differs from the input length.",
                    "The input and output sentences can have different lengths.",
                    "Word order differs between languages, and the encoder-decoder does not "
                    "require the output to be aligned with the input.",
                    "The output sequence does not need to have the same number of words as "
                    "the input.",
                ),
                (
                    r"\b(length|order|same number|number of words|align|longer|shorter|"
                    r"different size)",
                ),
            ),
        ),
        antonyms=(
            ("encoder", "decoder"),
            ("before", "after"),
            ("same", "different"),
            ("whole", "first"),
        ),
    ),
    Question(
        id="q3",
        text="How can you handle input sequences of different lengths, and how can you handle "
        "output sequences of different lengths?",
        reference=(
            (
                "For inputs of different lengths, pad the shorter sequences to a common length "
                "and mask the padding tokens so that the RNN ignores them; ragged tensors or "
                "bucketing by length are other options.",
                ("q3.a",),
            ),
            (
                "When the output length is not known in advance, train the model to emit a "
                "special end-of-sequence token and ignore everything it produces after that "
                "token.",
                ("q3.b",),
            ),
            (
                "When the output length is known, for example the same as the input's, mask "
                "the loss so that the padded positions after the end are ignored.",
                ("q3.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q3.a",
                4,
                "variable-length inputs",
                (
                    "The padding tokens should not count, so they are masked.",
                    "Add padding tokens so all sequences in a batch have equal length, and mask "
                    "them.",
                    "Use mask_zero=True in the embedding layer after zero padding.",
                    "Bucket the sequences by length to reduce the padding.",
                    "Pad the input sequences to the same length and use masking so the "
                    "padding is ignored.",
                    "Use ragged tensors for inputs of different lengths.",
                    "Shorter inputs are padded with zeros and the model is told to skip "
                    "the padded time steps with a mask.",
                    "Group sequences of similar length into the same batch to limit padding.",
                ),
                (r"\b(pad|mask|ragged|bucket)",),
            ),
            KeyPoint(
                "q3.b",
                4,
                "variable-length outputs when the length is not known in advance",
                (
                    "Append an end-of-sequence token to each target and cut the prediction at the "
                    "first one.",
                    "The decoder keeps generating until it predicts the stop token.",
                    "Add an <eos> token at the end of every output sentence.",
                    "The model outputs an end-of-sequence token, and everything after it is "
                    "ignored.",
                    "Generation stops when the decoder produces the special EOS token.",
                    "Train the network to emit an end token that marks where the output "
                    "sentence finishes.",
                ),
                (r"(\bend|\beos|<eos>|\bstop|\btermin|\bspecial token|\bfinish)",),
            ),
            KeyPoint(
                "q3.c",
                2,
                "outputs whose length is known in advance",
                (
                    "If the output is as long as the input, ignore the padding positions in the "
                    "loss.",
                    "Use sample weights of zero for the padded output positions.",
                    "When the target length is known in advance, mask the extra time steps in the "
                    "loss.",
                    "If the output length is known, such as the same length as the input, "
                    "the loss is masked to ignore positions beyond the end.",
                    "When output and input have the same length, configure the loss to "
                    "ignore the padded tokens.",
                ),
                (r"\b(known|same length|as long as|loss|sample weight)",),
            ),
        ),
        antonyms=(
            ("input", "output"),
            ("inputs", "outputs"),
            ("known", "unknown"),
            ("end", "start"),
            ("before", "after"),
            ("shorter", "longer"),
        ),
    ),
    Question(
        id="q4",
        text="What is beam search, why would you use it, and how can you implement it?",
        reference=(
            (
                "Beam search keeps the k most likely partial output sequences at every step "
                "(k is the beam width), extends each of them with every possible next token, "
                "and keeps only the k best of the results.",
                ("q4.a",),
            ),
            (
                "It is used because greedy decoding commits to the single most likely token at "
                "each step and cannot recover from an early mistake, whereas beam search finds "
                "sequences with a higher overall probability, such as better translations.",
                ("q4.b",),
            ),
            (
                "To implement it, run the decoder on each candidate, add the log-probability of "
                "each next token to the candidate's score, sort all extensions and keep the top "
                "k, and stop when the candidates end with an end-of-sequence token or reach a "
                "maximum length.",
                ("q4.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q4.a",
                4,
                "what beam search keeps track of at each step",
                (
                    "Beam search explores several candidate sequences at once and keeps the most "
                    "likely ones.",
                    "It keeps the k best partial translations at every step.",
                    "Beam search maintains a beam of the most probable hypotheses.",
                    "Beam search keeps a fixed number k of the most probable partial "
                    "sequences at each decoding step.",
                    "At each step every candidate is extended by one token and only the "
                    "best k candidates are kept.",
                    "Instead of a single sequence, it tracks several hypotheses in "
                    "parallel; their number is the beam width.",
                ),
                (
                    r"\b(k\b|several|multiple|top|few|best|beam width|width|number of|candidat|"
                    r"hypothes|partial|most likely|most probable|n most)",
                ),
            ),
            KeyPoint(
                "q4.b",
                3,
                "why it beats greedy decoding",
                (
                    "Greedy decoding never reconsiders a choice, so one bad token can ruin the "
                    "sentence.",
                    "Greedy decoding can make a mistake early on and get stuck with a bad "
                    "sentence.",
                    "Beam search gives better results than always taking the most likely word.",
                    "It finds sequences whose total probability is higher than the greedy one.",
                    "Greedy decoding picks the most likely word at each step and cannot "
                    "recover from an early mistake.",
                    "Beam search finds output sequences with a higher overall probability "
                    "than greedy decoding, so the translations are better.",
                    "A locally best token can lead to a worse sentence overall, which beam "
                    "search avoids.",
                ),
                (
                    r"\b(greedy|mistake|error|recover|better|global|overall|whole|entire|optimal|"
                    r"locally|early|improv)",
                ),
            ),
            KeyPoint(
                "q4.c",
                3,
                "how to implement it",
                (
                    "Each candidate's score is the sum of the log-probabilities of its tokens.",
                    "At each step extend every candidate with every possible token, compute the "
                    "scores, and keep the best k.",
                    "Repeat until the candidates reach the end token, then return the best one.",
                    "Add the log-probabilities of the tokens to get each candidate's score, "
                    "sort the extended candidates and keep the top k.",
                    "Loop over decoding steps: run the model on each candidate, compute the "
                    "probabilities of the next token and multiply them into the sequence "
                    "probability.",
                    "Stop when every candidate has produced the end-of-sequence token or "
                    "reached the maximum length.",
                ),
                (
                    r"\b(log|probab|score|sum|add|multipl|sort|loop|each step|every step|"
                    r"end-of-sequence|eos|maximum length|max length|run the (model|decoder))",
                ),
            ),
        ),
        antonyms=(
            ("greedy", "beam"),
            ("best", "worst"),
            ("higher", "lower"),
            ("single", "several"),
            ("most", "least"),
            ("highest", "lowest"),
        ),
    ),
    Question(
        id="q5",
        text="What is an attention mechanism, and how does it help?",
        reference=(
            (
                "At each decoding step, an attention mechanism scores how well the decoder's "
                "current state matches each encoder output, turns the scores into weights with "
                "a softmax, and feeds the decoder the weighted sum of the encoder outputs, so it "
                "can focus on the most relevant input words.",
                ("q5.a",),
            ),
            (
                "It helps with long sentences: the decoder no longer depends on one fixed-size "
                "vector that must hold the whole input, and the path between an input word and "
                "its translation becomes much shorter.",
                ("q5.b",),
            ),
            (
                "The attention weights also make the model easier to interpret, since they show "
                "which input words the model looked at for each output.",
                ("q5.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q5.a",
                4,
                "how attention computes what the decoder looks at",
                (
                    "Attention gives a weight to each encoder output at every decoder step.",
                    "The decoder focuses on the input words that matter most for the word it is "
                    "producing.",
                    "The context vector is a weighted sum of the encoder states, with weights "
                    "from a softmax.",
                    "The decoder computes a weighted sum of all the encoder outputs, with "
                    "weights given by a softmax over alignment scores.",
                    "At each step the model learns to focus on the relevant parts of the "
                    "input sequence.",
                    "Attention scores every input position against the current decoder "
                    "state and combines the encoder outputs according to those scores.",
                ),
                (
                    r"\b(weight|score|softmax|align|sum|focus|attend|relevan|look|concentrat|"
                    r"important)",
                ),
            ),
            KeyPoint(
                "q5.b",
                4,
                "why it helps on long sequences",
                (
                    "The decoder can access all encoder states directly instead of one compressed "
                    "vector.",
                    "It works much better on long sentences.",
                    "Information from distant input words reaches the decoder through a short "
                    "path.",
                    "Attention helps with long sentences because the whole input no longer "
                    "has to fit in a single fixed-size vector.",
                    "It removes the bottleneck of the encoder's final state and shortens the "
                    "path between an input word and its output.",
                    "Without attention the decoder only sees one context vector, which "
                    "loses information for long inputs.",
                ),
                (
                    r"\b(long|bottleneck|fixed|single|one vector|one context|final state|last "
                    r"state|path|distance|forget|compress)",
                ),
            ),
            KeyPoint(
                "q5.c",
                2,
                "what the attention weights tell us",
                (
                    "Attention weights show which input words the model looked at.",
                    "Plotting the attention matrix helps explain the model's output.",
                    "The attention weights make the model more interpretable, showing which "
                    "input words it used for each output word.",
                    "You can visualise the weights to understand why the model produced a "
                    "given output.",
                ),
                (r"\b(interpret|explain|visuali|understand|inspect|show|see which|why the)",),
            ),
        ),
        antonyms=(
            ("longer", "shorter"),
            ("long", "short"),
            ("more", "less"),
            ("harder", "easier"),
        ),
    ),
    Question(
        id="q6",
        text="Which layer is the most important one in the Transformer architecture, and "
        "what is it for?",
        reference=(
            ("The most important layer is the multi-head attention layer.", ("q6.a",)),
            (
                "Its self-attention lets every word of a sentence look at every other word "
                "(and, in the decoder, at the encoder's outputs) and decide which ones are most "
                "relevant to it, so each word gets a representation that depends on its "
                "context.",
                ("q6.b",),
            ),
            (
                "Having several heads, each with its own learned projections, lets the layer "
                "attend to different kinds of relationships between words at the same time.",
                ("q6.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q6.a",
                4,
                "which layer it is",
                (
                    "The Transformer's key layer is the attention layer.",
                    "Multi-head self-attention is the most important layer.",
                    "The key layer is multi-head attention.",
                    "The most important component of the Transformer is the self-attention layer.",
                    "It is the Multi-Head Attention layer.",
                ),
                (r"\battention",),
            ),
            KeyPoint(
                "q6.b",
                4,
                "what that layer does for each word",
                (
                    "Words are not processed in isolation: each one looks at the others to get its "
                    "context.",
                    "Each word attends to every other word and gets a context-aware "
                    "representation.",
                    "It finds out which words in the sentence are related to each other.",
                    "It captures the relationships between all the words in the sequence.",
                    "Self-attention lets each word attend to all the other words in the "
                    "sentence to build a representation that depends on context.",
                    "It identifies which words are most related to each word and mixes their "
                    "information.",
                    "Every token looks at the other tokens and weighs them by relevance.",
                ),
                (r"\b(other|every|each|all|relationship|context|relevan|relat)",),
            ),
            KeyPoint(
                "q6.c",
                2,
                "why it has several heads",
                (
                    "Multiple attention heads capture different relationships in parallel.",
                    "Each head uses its own projections of the queries, keys and values.",
                    "Multiple heads, each with different linear projections, can focus on "
                    "different aspects of the words at once.",
                    "Each attention head can learn a different type of relationship, such as "
                    "syntax or meaning.",
                ),
                (r"\b(heads|several|multiple|different|parallel|many)",),
            ),
        ),
        antonyms=(("different", "same"), ("each", "one"), ("every", "one")),
    ),
    Question(
        id="q7",
        text="When would you use sampled softmax?",
        reference=(
            (
                "Sampled softmax is useful when there are very many classes, for example a "
                "vocabulary of tens of thousands of words, because computing the full softmax "
                "over all of them at every step is expensive.",
                ("q7.a",),
            ),
            (
                "It computes the loss only over the correct word and a random sample of "
                "incorrect words, which approximates the full loss and speeds up training a "
                "lot.",
                ("q7.b",),
            ),
            (
                "It is used only during training; at inference time you still use the full "
                "softmax, since you need the probability of every word.",
                ("q7.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q7.a",
                5,
                "the situation in which it pays off",
                (
                    "Sampled softmax is used when the vocabulary is very large.",
                    "When there are very many output classes, the full softmax is too slow.",
                    "It is meant for output layers with tens of thousands of classes.",
                    "Use sampled softmax when the number of output classes is huge, such as a "
                    "large vocabulary.",
                    "It is for models with tens of thousands of possible words, where the "
                    "full softmax is too costly.",
                    "The full softmax over a very large vocabulary is slow to compute.",
                ),
                (r"\b(large|big|huge|many|vocabular|classes|thousand|millions|enormous)",),
            ),
            KeyPoint(
                "q7.b",
                3,
                "how it saves computation",
                (
                    "It does not compute the probability of every class, only of the target and a "
                    "few sampled ones.",
                    "The loss is estimated with the correct class and a few sampled wrong classes.",
                    "Only a random subset of the classes is used to compute the softmax.",
                    "It approximates the full softmax, so training is much faster.",
                    "It only looks at the logit of the target class and a random subset of "
                    "wrong classes.",
                    "The loss is approximated with a sample of negative classes instead of "
                    "all of them, which makes training faster.",
                    "Sampling a few incorrect words avoids computing the probability of the "
                    "whole vocabulary.",
                ),
                (r"\b(sample|subset|random|few|some|approximat|negative)",),
            ),
            KeyPoint(
                "q7.c",
                2,
                "training versus inference",
                (
                    "It is only used during training, and the full softmax is used for "
                    "predictions.",
                    "At inference the normal softmax over all words is needed.",
                    "Sampled softmax is only for training; inference uses the regular full "
                    "softmax.",
                    "At prediction time you need the full distribution over the vocabulary, "
                    "so it is not used then.",
                ),
                (r"\b(train|inference|predict|test time|generation|deploy)",),
            ),
        ),
        antonyms=(
            ("training", "inference"),
            ("large", "small"),
            ("huge", "tiny"),
            ("many", "few"),
            ("more", "less"),
            ("faster", "slower"),
        ),
    ),
    Question(
        id="q8",
        text="A Keras sequence-to-sequence model reaches 95% accuracy during training, yet "
        "decoding new inputs gives almost random text. What is the likely cause, and how do "
        "you fix it?",
        reference=(
            (
                "The likely cause is that the decoder targets were not shifted one step ahead "
                "of the decoder inputs, so the target at each step is the very token the decoder "
                "receives as input, and the model just learns to copy it.",
                ("q8.a",),
            ),
            (
                "With teacher forcing the true previous token is fed in during training, so "
                "copying scores high accuracy, but at inference the decoder only gets its own "
                "predictions and has never learned to predict the next token, so the output is "
                "garbage.",
                ("q8.b",),
            ),
            (
                "The fix is to build the targets as the decoder inputs shifted left by one step, "
                "so the target at time t is the input at time t+1: the inputs start with the "
                "start token, the targets end with the end token, and then the model is "
                "retrained.",
                ("q8.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q8.a",
                4,
                "the cause",
                (
                    "The decoder targets were not shifted relative to the decoder inputs.",
                    "The target sequence is the same as the decoder input sequence, so the model "
                    "learns to copy.",
                    "The decoder input and the target are identical.",
                    "The decoder target sequences are identical to the decoder input "
                    "sequences instead of being shifted by one time step.",
                    "The targets were not offset from the inputs, so the network only learns "
                    "to copy the current input token.",
                    "Decoder input and decoder target are the same arrays, so predicting the "
                    "target is trivial.",
                ),
                (
                    r"\b(shift|same|identical|cop(y|ies|ying)|offset|ahead|align|equal|"
                    r"unshifted|duplicat)",
                ),
            ),
            KeyPoint(
                "q8.b",
                3,
                "why training accuracy is high but decoding fails",
                (
                    "During training the model sees the correct previous token, so copying gives "
                    "high accuracy.",
                    "At inference the model must feed back its own predictions, and it never "
                    "learned to predict the next token.",
                    "The high training accuracy is misleading because of teacher forcing.",
                    "Teacher forcing feeds the true token during training, so copying it "
                    "gives high accuracy, but at inference the model gets its own outputs.",
                    "When decoding, there is no ground-truth next token to copy, so the "
                    "model produces nonsense.",
                    "Training accuracy is misleading because the answer is in the input; "
                    "free-running generation exposes that the model never learned to "
                    "predict ahead.",
                ),
                (
                    r"\b(teacher|inference|decod|own|true|ground|generat|free-running|"
                    r"autoregress|new input|test|predict)",
                ),
            ),
            KeyPoint(
                "q8.c",
                3,
                "the fix",
                (
                    "Shift the decoder targets by one time step and retrain.",
                    "The target at time t must be the decoder input at time t+1.",
                    "The decoder input starts with the start token and the target ends with the "
                    "end token.",
                    "Shift the targets one step to the left so that the target at step t is "
                    "the decoder input at step t+1, then retrain.",
                    "The decoder input should start with the start token and the target "
                    "should be the same sequence one step ahead, ending with the end token.",
                    "Build the target from the input by dropping its first token, so the "
                    "model predicts the next character.",
                ),
                (
                    r"(\bshift|t\s*\+\s*1|one step|\boffset|\bnext|\bstart|\bleft|\bahead|"
                    r"\[1:\]|\[:-1\]|drop|first token|\bend token)",
                ),
            ),
        ),
        antonyms=(("ahead", "behind"), ("next", "previous"), ("left", "right"), ("high", "low")),
    ),
    Question(
        id="q9",
        text="What does the sampling temperature do in text generation, and what happens "
        "when it is close to zero or very high?",
        reference=(
            (
                "The temperature divides the logits before the softmax, so it controls how "
                "peaked or how flat the distribution over the next character is.",
                ("q9.a",),
            ),
            (
                "Close to zero the distribution becomes sharp and sampling almost always picks "
                "the most likely character, like greedy decoding, which gives predictable, "
                "repetitive text.",
                ("q9.b",),
            ),
            (
                "A high temperature flattens the distribution towards uniform, so unlikely "
                "characters are picked more often and the text becomes more varied and "
                "surprising but also full of mistakes and nonsense.",
                ("q9.c",),
            ),
        ),
        points=(
            KeyPoint(
                "q9.a",
                3,
                "what the temperature does mathematically",
                (
                    "The temperature controls how random the sampling is.",
                    "Dividing the logits by the temperature makes the distribution sharper or "
                    "flatter.",
                    "It changes the shape of the probability distribution over the next character.",
                    "The logits are divided by the temperature before applying the softmax.",
                    "Temperature rescales the predicted distribution, making it sharper or "
                    "flatter.",
                    "It controls how much randomness there is when sampling the next character.",
                ),
                (
                    r"\b(divid|logit|scal|softmax|distribution|probab|sharp|flat|peak|smooth|"
                    r"random)",
                ),
            ),
            KeyPoint(
                "q9.b",
                4,
                "what happens near zero",
                (
                    "Near zero the sampling is no longer random: it takes the most likely "
                    "character.",
                    "A low temperature makes the generated text predictable and repetitive.",
                    "Close to zero, the model almost always chooses the most probable character.",
                    "A temperature near 0 is like greedy decoding.",
                    "A temperature near zero makes the model pick the most likely character "
                    "almost every time, like greedy decoding.",
                    "With a very low temperature the text is deterministic, conservative and "
                    "often repetitive.",
                    "When the temperature goes to zero sampling becomes an argmax.",
                ),
                (
                    r"\b(zero|low|small|0\b|0\.|cold|tiny|near 0)",
                    r"\b(likel|probable|greedy|argmax|repet|determin|same|conservative|"
                    r"predictable|safe|top|loop|highest|boring)",
                ),
            ),
            KeyPoint(
                "q9.c",
                3,
                "what happens at high values",
                (
                    "A high temperature makes the output more random and creative but less "
                    "coherent.",
                    "At high temperature the distribution becomes almost uniform and the text is "
                    "nonsense.",
                    "Increasing the temperature adds diversity but also more spelling mistakes.",
                    "A high temperature makes the distribution nearly uniform, so the output "
                    "is more random and creative but full of errors.",
                    "With a large temperature rare characters are sampled more often and the "
                    "text turns into gibberish.",
                    "Raising the temperature increases diversity and surprise at the cost of "
                    "coherence.",
                ),
                (
                    r"\b(high|large|big|hot|increas|rais|above)",
                    r"\b(random|divers|creativ|surpris|uniform|flat|nonsense|gibberish|error|"
                    r"mistak|varied|variet|less predictable|chaotic|rare|unlikely|coheren|"
                    r"incoherent|noise|noisy)",
                ),
            ),
        ),
        antonyms=(
            ("high", "low"),
            ("higher", "lower"),
            ("large", "small"),
            ("hot", "cold"),
            ("more", "less"),
            ("random", "deterministic"),
            ("sharper", "flatter"),
            ("sharp", "flat"),
            ("increases", "decreases"),
            ("likely", "unlikely"),
            ("diverse", "repetitive"),
        ),
    ),
    Question(
        id="q10",
        text="For text generation, what are the trade-offs between character-level tokens "
        "and word-level tokens?",
        reference=(
            (
                "Character-level tokens give a tiny vocabulary with no out-of-vocabulary "
                "problem, and the model can spell words it has never seen or invent new ones.",
                ("q10.a",),
            ),
            (
                "The cost is that sequences become much longer, so the model needs more steps, "
                "has to learn spelling first, and finds it harder to keep long-range structure, "
                "often producing misspelled words.",
                ("q10.b",),
            ),
            (
                "Word-level tokens make sequences shorter and every token already carries "
                "meaning, so the output consists of real words and keeps coherence over a longer "
                "span.",
                ("q10.c",),
            ),
            (
                "But the vocabulary is large, which makes the embedding and the output softmax "
                "big, and rare or unseen words all become an unknown token that the model can "
                "never produce.",
                ("q10.d",),
            ),
        ),
        points=(
            KeyPoint(
                "q10.a",
                3,
                "strengths of character-level tokens",
                (
                    "Character-level models have a tiny vocabulary and no unknown tokens.",
                    "Working with characters, the model can create new words.",
                    "Characters avoid the out-of-vocabulary problem.",
                    "A character-level model has a small vocabulary and never meets an "
                    "unknown token.",
                    "With characters the model can generate new words and handle any spelling.",
                    "Character tokens need only a few dozen symbols, so there is no "
                    "out-of-vocabulary problem.",
                ),
                (
                    r"\b(char|letter)",
                    r"\b(small|tiny|few|limited|no (unknown|oov|out)|out-of-vocabulary|oov|"
                    r"unknown|new words|invent|any word|unseen|never seen|spell|typo|rare)",
                ),
            ),
            KeyPoint(
                "q10.b",
                3,
                "weaknesses of character-level tokens",
                (
                    "Character-level sequences are much longer, which makes long-range "
                    "dependencies harder to learn.",
                    "A character model can produce misspelled or made-up words.",
                    "With characters, generation needs many more steps.",
                    "Character sequences are much longer, so the model has to learn longer "
                    "dependencies and generation takes more steps.",
                    "A character model must learn spelling and often produces words that do "
                    "not exist.",
                    "Long-range structure is harder to capture with characters because each "
                    "token carries little meaning.",
                ),
                (
                    r"\b(char|letter|spell)",
                    r"\b(long|more steps|slow|spell|misspel|do not exist|don't exist|not exist|"
                    r"nonexistent|made-up|fake|little meaning|harder|difficult|structure|"
                    r"dependenc)",
                ),
            ),
            KeyPoint(
                "q10.c",
                2,
                "strengths of word-level tokens",
                (
                    "Word-level models produce real words and shorter sequences.",
                    "With word tokens each token has meaning, so the text is more coherent.",
                    "Word-level tokens give shorter sequences where each token carries meaning.",
                    "A word model always outputs real words and stays coherent over a longer "
                    "stretch of text.",
                ),
                (
                    r"\bword",
                    r"\b(short|fewer|meaning|semantic|real words|valid words|coheren|no spelling"
                    r"|spelled correctly|correctly spelled|longer (span|context|stretch)|"
                    r"existing words)",
                ),
            ),
            KeyPoint(
                "q10.d",
                2,
                "weaknesses of word-level tokens",
                (
                    "Word-level models need a huge vocabulary and a big softmax.",
                    "Rare words become unknown tokens in a word-level model.",
                    "A word-level model can only output words from its vocabulary.",
                    "Word-level models need a huge vocabulary, making the softmax and "
                    "embeddings large.",
                    "Rare and unseen words become unknown tokens and the model can never "
                    "create new words.",
                ),
                (
                    r"\bword",
                    r"\b(large|huge|big|unknown|unk|out-of-vocabulary|oov|rare|unseen|new words|"
                    r"never|cannot|can't|memory|softmax|embedding|sparse)",
                ),
            ),
        ),
        antonyms=(
            ("characters", "words"),
            ("character", "word"),
            ("char", "word"),
            ("small", "large"),
            ("tiny", "huge"),
            ("shorter", "longer"),
            ("short", "long"),
            ("fewer", "more"),
            ("easier", "harder"),
        ),
    ),
)

QUESTION_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
