package dev.stabilis.contract;

/** A record that does not fit its contract; the message names what is wrong. */
public final class ContractException extends IllegalArgumentException {

    public ContractException(String message) {
        super(message);
    }
}
