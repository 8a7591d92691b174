package dev.stabilis.certify;

/**
 * How one node maps boxes: forward, from boxes of its inputs to a box of its output; backward, from a box of its
 * output's adjoint to boxes of its inputs' adjoints, using the forward boxes (which hold every value the node sees
 * for inputs in the analysed box). Both round outward.
 */
interface IntervalRule {

    /**
     * @param in boxes of the inputs
     * @param batch the batch size
     * @param gamma relative parameter radius, for nodes with trained parameters
     */
    Interval forward(Interval[] in, long batch, double gamma);

    /**
     * @param adjoint box of the output's adjoint
     * @param in the forward boxes of the inputs
     * @param out the forward box of the output
     * @param gamma relative parameter radius, for nodes with trained parameters
     */
    Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma);
}
