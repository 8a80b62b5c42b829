package io.tandem.timer;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Records every firing sent and leaves it running until the test answers it. Thread-safe. */
final class FakeSender implements FiringSender {
    record Sent(Firing firing, CompletableFuture<Integer> answer) {
    }

    final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Consumer<Firing> onSend;

    FakeSender(Consumer<Firing> onSend) {
        this.onSend = onSend;
    }

    FakeSender() {
        this(f -> {
        });
    }

    @Override
    public CompletableFuture<Integer> send(Firing firing) {
        onSend.accept(firing);
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        sent.add(new Sent(firing, answer));
        return answer;
    }

    List<java.time.Instant> scheduled() {
        return sent.stream().map(s -> s.firing().scheduled()).toList();
    }

    void answerAll(int status) {
        sent.forEach(s -> s.answer().complete(status));
    }
}
