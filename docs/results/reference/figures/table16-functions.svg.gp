set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table16-functions.svg"
set title "Table 16: function shapes"
set xlabel 'x'
set ylabel 'f(x)'
set grid
set key top left
set xrange [-4:4]
plot "docs/results/reference/figures/table16-functions.dat" using 1:2 with lines lw 2 title "tanh(x)", "docs/results/reference/figures/table16-functions.dat" using 1:3 with lines lw 2 title "tanh(1.205 * x)", "docs/results/reference/figures/table16-functions.dat" using 1:4 with lines lw 2 title "erf(x)"
