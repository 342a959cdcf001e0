set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table2-functions.svg"
set title "Table 2: function shapes"
set xlabel 'x'
set ylabel 'f(x)'
set grid
set key top left
set xrange [-4:4]
plot "docs/results/reference/figures/table2-functions.dat" using 1:2 with lines lw 2 title "arcsinh(x)", "docs/results/reference/figures/table2-functions.dat" using 1:3 with lines lw 2 title "logsign(x)", "docs/results/reference/figures/table2-functions.dat" using 1:4 with lines lw 2 title "clip(arcsinh, 1)", "docs/results/reference/figures/table2-functions.dat" using 1:5 with lines lw 2 title "clip(linear, 1)"
