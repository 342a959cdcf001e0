set terminal pngcairo size 900,550
set termoption noenhanced
set output "docs/results/reference/figures/table14-functions.png"
set title "Table 14: function shapes"
set xlabel 'x'
set ylabel 'f(x)'
set grid
set key top left
set xrange [-4:4]
plot "docs/results/reference/figures/table14-functions.dat" using 1:2 with lines lw 2 title "erf(x)", "docs/results/reference/figures/table14-functions.dat" using 1:3 with lines lw 2 title "tanh(x)", "docs/results/reference/figures/table14-functions.dat" using 1:4 with lines lw 2 title "satursin(x)", "docs/results/reference/figures/table14-functions.dat" using 1:5 with lines lw 2 title "isru(x)", "docs/results/reference/figures/table14-functions.dat" using 1:6 with lines lw 2 title "arctan(x)", "docs/results/reference/figures/table14-functions.dat" using 1:7 with lines lw 2 title "arcsinh_clip(x)"
