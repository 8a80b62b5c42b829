package io.tandem.packages;

/**
 * A code package that Tandem refuses. {@link #getMessage()} says what is wrong (naming the entry when one is to
 * blame) and {@link #fix()} how to fix it, so the API can pass both to the user unchanged.
 */
public final class RejectedPackageException extends RuntimeException {
    /**
     * Why a package was refused; the API maps {@link #TOO_LARGE} to 413, {@link #QUOTA_EXCEEDED} (the store is
     * full, whatever the package) to 507 and the rest to 400.
     */
    public enum Reason { TOO_LARGE, QUOTA_EXCEEDED, UNSAFE_ARCHIVE, CORRUPT_ARCHIVE }

    private final Reason reason;
    private final String entry;
    private final String fix;

    public RejectedPackageException(Reason reason, String entry, String message, String fix) {
        super(message);
        this.reason = reason;
        this.entry = entry;
        this.fix = fix;
    }

    public Reason reason() {
        return reason;
    }

    /** The archive entry to blame, or null when the package as a whole is. */
    public String entry() {
        return entry;
    }

    public String fix() {
        return fix;
    }
}
