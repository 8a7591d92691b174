package dev.stabilis.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * TLS material made at test time: a self-signed certificate for 127.0.0.1 and localhost with its key in a PKCS12
 * key store (made by the JDK's keytool), and a PKCS12 trust store holding that certificate. Both passwords are
 * random, so a test can search logs for them.
 */
public record SelfSignedTls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {

    private static final String ALIAS = "broker";

    /** Writes {@code broker.p12} and {@code truststore.p12} into {@code directory}. */
    public static SelfSignedTls create(Path directory) throws IOException, InterruptedException, GeneralSecurityException {
        String keystorePassword = "ks-" + UUID.randomUUID();
        String truststorePassword = "ts-" + UUID.randomUUID();
        Path keystore = directory.resolve("broker.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        ProcessBuilder builder = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass:env", "STOREPASS"))
                .redirectErrorStream(true);
        builder.environment().put("STOREPASS", keystorePassword);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, keystorePassword.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(ALIAS, keys.getCertificate(ALIAS));
        Path truststore = directory.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(truststore)) {
            trust.store(out, truststorePassword.toCharArray());
        }
        return new SelfSignedTls(keystore, keystorePassword, truststore, truststorePassword);
    }
}
