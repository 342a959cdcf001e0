set terminal pngcairo size 1860,420
set termoption noenhanced
set output "docs/results/reference/figures/table2-loss.png"
set multiplot layout 1,3 title "Table 2: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "arcsinh(x)"
plot "docs/results/reference/figures/table2-loss-c8fab5050579390c.dat" using 1:2 with lines lt 1 dt 1 title "original", "docs/results/reference/figures/table2-loss-0e14e1feb7f754b2.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.5", "docs/results/reference/figures/table2-loss-eb4d651c7db7cd6e.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 0.8", "docs/results/reference/figures/table2-loss-8a82cc60d50e8a98.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 1", "docs/results/reference/figures/table2-loss-0864af192b2ffcca.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 2", "docs/results/reference/figures/table2-loss-c89fe279176bb301.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 3", "docs/results/reference/figures/table2-loss-e2b8c11b94973646.dat" using 1:2 with lines lt 7 dt 1 title "lambda_u = 5"
set title "logsign(x)"
plot "docs/results/reference/figures/table2-loss-cdef0046453d47a1.dat" using 1:2 with lines lt 1 dt 1 title "original", "docs/results/reference/figures/table2-loss-cf620fadf74bdba0.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.5", "docs/results/reference/figures/table2-loss-77c34dcb5b780334.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 0.8", "docs/results/reference/figures/table2-loss-aa707b29e8239ded.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 1", "docs/results/reference/figures/table2-loss-30237c544cfa7105.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 2", "docs/results/reference/figures/table2-loss-a62132dc290714b9.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 3", "docs/results/reference/figures/table2-loss-9749a8aff5e031cb.dat" using 1:2 with lines lt 7 dt 1 title "lambda_u = 5"
set title "linear(x)"
plot "docs/results/reference/figures/table2-loss-98530f4f083724c9.dat" using 1:2 with lines lt 1 dt 1 title "lambda_u = 0.5", "docs/results/reference/figures/table2-loss-0bcfcc6a5130b1fd.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.8", "docs/results/reference/figures/table2-loss-16f5ace2b47af860.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 1", "docs/results/reference/figures/table2-loss-9f749637e9420748.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 2", "docs/results/reference/figures/table2-loss-e095f98418fd5ac6.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 3", "docs/results/reference/figures/table2-loss-3c2a79306b0aac8c.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 5"
unset multiplot
