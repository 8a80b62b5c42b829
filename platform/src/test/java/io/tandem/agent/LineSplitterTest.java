package io.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {
    final List<String> lines = new ArrayList<>();
    final LineSplitter splitter = new LineSplitter(16, lines::add);

    private void feed(byte[] bytes) {
        splitter.feed(bytes, 0, bytes.length);
    }

    @Test
    void splitsOnNewlinesAcrossChunksAndDropsTheCarriageReturnOfCrlf() {
        feed("one\r\ntw".getBytes(StandardCharsets.UTF_8));
        feed("o\n\nthree".getBytes(StandardCharsets.UTF_8));
        assertThat(lines).containsExactly("one", "two", "");
        splitter.finish();
        assertThat(lines).containsExactly("one", "two", "", "three");
    }

    @Test
    void cutsALongLineAndSaysHowMuchWasLostWithoutHoldingIt() {
        byte[] megabyte = new byte[1 << 20];
        Arrays.fill(megabyte, (byte) 'x');
        feed(megabyte);
        feed(megabyte);
        feed("\nnext\n".getBytes(StandardCharsets.UTF_8));
        assertThat(lines).containsExactly("x".repeat(16) + " ...[line cut: " + (2 * (1 << 20) - 16) + " more bytes]", "next");
    }

    @Test
    void escapesControlCharactersAndBytesThatAreNotUtf8ButKeepsTextAndTabs() {
        LineSplitter wide = new LineSplitter(64, lines::add);
        byte[] text = "caf\u00e9\tok \u001b[31mred\u0007\n".getBytes(StandardCharsets.UTF_8);
        wide.feed(text, 0, text.length);
        wide.feed(new byte[] {(byte) 0xff, 0, 'a', (byte) 0xc3, '\n'}, 0, 5);
        assertThat(lines).containsExactly("caf\u00e9\tok \\x1b[31mred\\x07", "\\xff\\x00a\\xc3");
        assertThat(String.join("", lines)).doesNotContain("\n", "\r", "\u001b");
    }

    @Test
    void aCharacterCutAtTheLimitIsEscapedNotBroken() {
        byte[] text = ("abcdefghijklmno\u00e9\n").getBytes(StandardCharsets.UTF_8); // 15 ASCII, then 2 bytes
        feed(text);
        assertThat(lines).containsExactly("abcdefghijklmno\\xc3 ...[line cut: 1 more bytes]");
    }
}
