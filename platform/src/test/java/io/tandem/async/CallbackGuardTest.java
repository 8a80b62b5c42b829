package io.tandem.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CallbackGuardTest {
    final InetSocketAddress api = new InetSocketAddress("127.0.0.1", 8088);
    final CallbackGuard strict = new CallbackGuard(false, Set.of(api));
    final CallbackGuard lenient = new CallbackGuard(true, Set.of(api, new InetSocketAddress("0.0.0.0", 8080)));

    @Test
    void refusesAddressesOnlyTheServerCouldReachUnlessAllowed() throws Exception {
        for (String url : List.of("http://127.0.0.1:9000/cb", "http://localhost/cb", "http://10.1.2.3/", "http://172.16.0.1/",
                "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://0.0.0.0/",
                "http://[::1]/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/",
                "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:c0a8:101::1]/", "http://[2002:7f00:1::]/",
                "http://198.18.0.1/", "http://198.19.255.254/")) {
            assertThatThrownBy(() -> strict.check(url)).as(url).isInstanceOf(CallbackGuard.Refused.class)
                    .hasMessageContaining("--allow-private-callbacks");
        }
        assertThat(strict.check("https://93.184.216.34/hook")).isEqualTo(new InetSocketAddress("93.184.216.34", 443));
        assertThat(strict.check("http://[64:ff9b::5db8:d822]/")).as("NAT64 of a public address").isNotNull();
        assertThat(strict.check("http://[2002:5db8:d822::1]/")).as("6to4 of a public address").isNotNull();
        assertThat(lenient.check("http://127.0.0.1:9000/cb")).isEqualTo(new InetSocketAddress("127.0.0.1", 9000));
    }

    @Test
    void neverCallsTheControlPlaneEvenWhenPrivateAddressesAreAllowed() {
        assertThatThrownBy(() -> lenient.check("http://127.0.0.1:8088/v1/functions")).hasMessageContaining("Tandem's own control plane");
        assertThatThrownBy(() -> lenient.check("http://localhost:8080/function/x")).hasMessageContaining("Tandem's own control plane");
    }

    @Test
    void checksEveryAddressTheResolverGivesAndReturnsTheFirst() throws Exception {
        CallbackGuard.Resolver twoAnswers = host -> List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.0.0.7"));
        assertThatThrownBy(() -> new CallbackGuard(false, Set.of(), twoAnswers).check("https://hooks.example.com/done"))
                .hasMessageContaining("resolves to 10.0.0.7, a private address");
        assertThat(new CallbackGuard(true, Set.of(), twoAnswers).check("https://hooks.example.com/done"))
                .isEqualTo(new InetSocketAddress("93.184.216.34", 443));
        assertThatThrownBy(() -> new CallbackGuard(true, Set.of(), host -> List.of()).check("https://hooks.example.com/done"))
                .hasMessageContaining("does not resolve");
    }

    @Test
    void refusesWhatIsNotAPlainHttpUrl() {
        assertThatThrownBy(() -> lenient.check("ftp://example.com/x")).hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> lenient.check("http://user:pw@127.0.0.1:9000/")).hasMessageContaining("user:password@");
        assertThatThrownBy(() -> lenient.check("not a url")).hasMessageContaining("is not a URL");
        assertThatThrownBy(() -> lenient.check("http://no-such-host.invalid/")).hasMessageContaining("does not resolve");
    }
}
